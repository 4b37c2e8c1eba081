"""Training runs: start, execute (the body of `mlcore.train_cpu` / `mlcore.train_gpu`), cancel,
the retrain check and the sweep that recovers runs lost with a worker.

A run is claimed by one conditional UPDATE (queued -> running, or a running run whose heartbeat is
stale), so a duplicate delivery finds nothing to claim and returns. While it trains, a callback
writes progress, the loss curve and a heartbeat at most every second, through an UPDATE that is
also conditional on (status running, this attempt, no cancel request): a cancel is noticed within
about a second, and a worker whose run was taken over by another stops at its next report. The
version, the run's success and the promotion are written in one transaction guarded the same way,
so a run makes at most one version and never half of one.

    run = training_run_start(actor=teacher, scoring_model=sm)   # or the queued/running one
    training_run_execute(run_id=run.id)                          # in the worker
    training_run_cancel(actor=teacher, run=run)
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, DateTimeField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from lms.accounts.models import User
from mlcore import runtime
from mlcore.artifacts import artifact_delete, artifact_sha256, artifact_store
from mlcore.engine.inference import FittedScorer, ScoreScale
from mlcore.engine.scoring import AUTO_CANDIDATES, fit_scoring_model
from mlcore.engine.scoring_data import ScoringExample
from mlcore.engine.training import TrainingCancelled
from mlcore.models import Family, ModelVersion, ScoringModel, TrainingRun
from mlcore.services.promotion import Decision, HeldOut, decide
from mlcore.services.registry import (
    require_model_manager,
    scoring_model_lock,
    version_activate,
    version_create,
)
from mlcore.services.training_claims import (
    FIT_END,
    FIT_START,
    IN_FLIGHT,
    Claim,
    RunReporter,
    RunSuperseded,
    claim_run,
    finish,
    owned,
    report,
    stale_before,
    stop_reason,
)
from mlcore.services.training_data import (
    TrainingDataError,
    check_training_data,
    finite_json,
    heldout_split,
    teacher_decision_events,
    training_examples,
)

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What a finished fit leaves for the final transaction."""

    scoring_model_id: int
    artifact: str
    sha256: str
    config: dict[str, Any]
    metrics: dict[str, Any]
    run_metrics: dict[str, Any]
    decision: Decision
    device: str
    n_train: int
    n_heldout: int
    loss_curve: list[dict[str, Any]]


# --- Start and cancel ------------------------------------------------------------------------


def _enqueue(run_id: int, queue: str) -> None:
    # Imported here: the task module imports this one.
    from mlcore.tasks.training import train_cpu_task, train_gpu_task

    task = train_gpu_task if queue == "ml_gpu" else train_cpu_task
    task.delay_on_commit(run_id)


def _start(
    *, actor: User | None, scoring_model: ScoringModel, trigger: str
) -> tuple[TrainingRun, bool]:
    with transaction.atomic():
        locked = scoring_model_lock(scoring_model.pk)  # two clicks queue up here, not twice
        existing = TrainingRun.objects.filter(scoring_model=locked, status__in=IN_FLIGHT).first()
        if existing is not None:
            return existing, False
        queue = "ml_gpu" if locked.family == Family.CROSS_ENCODER else "ml_cpu"
        try:
            with transaction.atomic():  # the partial unique constraint is the backstop
                run = TrainingRun.objects.create(
                    scoring_model=locked,
                    trigger=trigger,
                    family=locked.family,
                    loss=locked.loss,
                    queue=queue,
                    started_by=actor,
                    stage="waiting for a worker",
                )
        except IntegrityError:
            return TrainingRun.objects.get(scoring_model=locked, status__in=IN_FLIGHT), False
        _enqueue(run.pk, queue)
        return run, True


def training_run_start(
    *,
    actor: User | None,
    scoring_model: ScoringModel,
    trigger: str = TrainingRun.Trigger.MANUAL,
) -> TrainingRun:
    """Queue a training run of the question's model; one already queued or running is returned."""
    require_model_manager(actor, scoring_model)
    run, _ = _start(actor=actor, scoring_model=scoring_model, trigger=trigger)
    return run


def training_run_cancel(*, actor: User | None, run: TrainingRun) -> TrainingRun:
    """Cancel a run: a queued one at once, a running one at its next report (within ~1 s)."""
    require_model_manager(actor, run.scoring_model)
    cancelled = TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.QUEUED).update(
        status=TrainingRun.Status.CANCELLED,
        cancel_requested=True,
        stage="cancelled before it started",
        finished_at=timezone.now(),
    )
    if not cancelled:
        TrainingRun.objects.filter(pk=run.pk, status=TrainingRun.Status.RUNNING).update(
            cancel_requested=True, stage="cancelling"
        )
    return TrainingRun.objects.get(pk=run.pk)


# What the MLP reads besides sentence embeddings: hashed n-grams and the key-point coverage that
# the similarity fallback scores from, both through a cross-validated ridge that the MLP starts
# from (MLPConfig.ngram_offset). With the few dozen grades a teacher gives one question, the plain
# MLP matched the fallback on average but swung widely; on ten random 75/25 splits of the demo's
# two long questions this took mean QWK from 0.81 (fallback 0.81) to 0.87, and beat the fallback
# on 15 of 20 splits. The MLP-only options leave the other families as they are.
INPUT_OPTIONS = {"key_points": True, "ngram_buckets": 1 << 16}


def _train_overrides() -> dict[str, Any]:
    overrides = dict(settings.AULA_TRAINING_OVERRIDES)
    if settings.AULA_ML_DEVICE:
        overrides["device"] = settings.AULA_ML_DEVICE
    return overrides


# --- Execution -------------------------------------------------------------------------------


def _fit(
    claim: Claim,
    run: TrainingRun,
    train_rows: Sequence[tuple[int, ScoringExample]],
    scale: ScoreScale,
) -> tuple[FittedScorer, RunReporter]:
    families = list(AUTO_CANDIDATES) if run.family == Family.AUTO else [run.family]
    reporter = RunReporter(claim, families)
    fitted = fit_scoring_model(
        [ex for _, ex in train_rows],
        family=run.family,
        loss="ce" if run.loss == "ce" else "mse",
        callbacks=[reporter],
        scale=scale,
        train_overrides=_train_overrides(),
        input_options=INPUT_OPTIONS,
        encoder=runtime.encoder(),  # the worker's shared, memoised encoder
    )
    return fitted, reporter


def _store(fitted: FittedScorer, run: TrainingRun, claim: Claim) -> tuple[str, str]:
    with tempfile.TemporaryDirectory(prefix="aula-run-") as tmp:
        fitted.save(tmp)
        sha256 = artifact_sha256(tmp)
        # Run and attempt in the name: a takeover never overwrites the lost worker's files.
        name = f"scoring/q{run.scoring_model.question_id}/run{run.pk}-a{claim.attempt}-{sha256[:8]}"
        return artifact_store(tmp, name=name), sha256


def _train(claim: Claim) -> Outcome:
    run = TrainingRun.objects.select_related("scoring_model__question").get(pk=claim.run_id)
    question = run.scoring_model.question
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    report(claim, progress=1, stage="reading the teacher's grades")
    rows = training_examples(question)
    scale = check_training_data(question, rows)
    train_rows, heldout_rows = heldout_split(question.pk, rows)
    report(claim, progress=FIT_START, stage="preparing the answers")
    seconds["data"], started = time.perf_counter() - started, time.perf_counter()
    fitted, reporter = _fit(claim, run, train_rows, scale)
    seconds["fit"], started = time.perf_counter() - started, time.perf_counter()
    stage = "comparing with the active model on held-out teacher grades"
    report(claim, progress=FIT_END, stage=stage, loss_curve=reporter.curve)
    heldout = HeldOut(
        [a for a, _ in heldout_rows],
        [ex.answer for _, ex in heldout_rows],
        [ex.score for _, ex in heldout_rows],
    )
    decision, metrics = decide(
        scoring_model=run.scoring_model, candidate=fitted, heldout=heldout, scale=scale
    )
    seconds["evaluate"], started = time.perf_counter() - started, time.perf_counter()
    report(claim, progress=95, stage="saving the model")
    artifact, sha256 = _store(fitted, run, claim)
    seconds["save"] = time.perf_counter() - started
    return Outcome(
        scoring_model_id=run.scoring_model_id,
        artifact=artifact,
        sha256=sha256,
        config=finite_json(_version_config(run, fitted, scale, train_rows, heldout)),
        metrics=finite_json(metrics),
        run_metrics=finite_json(_run_metrics(fitted, decision, metrics, seconds)),
        decision=decision,
        device=str(fitted.report["device"]),
        n_train=len(train_rows),
        n_heldout=len(heldout_rows),
        loss_curve=finite_json(reporter.curve),
    )


def _version_config(
    run: TrainingRun,
    fitted: FittedScorer,
    scale: ScoreScale,
    train_rows: Sequence[tuple[int, ScoringExample]],
    heldout: HeldOut,
) -> dict[str, Any]:
    """How the version was made; the answer ids let a later run judge it on unseen answers."""
    return {
        "family": fitted.report["family"],
        "requested_family": run.family,
        "loss": run.loss,
        "scale": asdict(scale),
        "input": asdict(fitted.spec),
        "train_config": fitted.report["train_config"],
        "best_epoch": fitted.report["best_epoch"],
        "train_answer_ids": [a for a, _ in train_rows],
        "heldout_answer_ids": heldout.answer_ids,
    }


def _run_metrics(
    fitted: FittedScorer, decision: Decision, metrics: dict[str, Any], seconds: dict[str, float]
) -> dict[str, Any]:
    return {
        "heldout": metrics,
        "compared": decision.compared,
        "validation": fitted.report["val_metrics"],  # the engine's own split of the train part
        "candidates": fitted.report.get("candidates", {}),
        "seconds": {k: round(v, 3) for k, v in seconds.items()},
    }


def _record(claim: Claim, outcome: Outcome) -> TrainingRun:
    """Version, success and promotion in one transaction, only while the run is still ours."""
    try:
        with transaction.atomic():
            scoring_model = scoring_model_lock(outcome.scoring_model_id)
            now = timezone.now()
            done = (
                owned(claim)
                .filter(cancel_requested=False)
                .update(
                    status=TrainingRun.Status.SUCCEEDED,
                    progress=100,
                    stage="finished",
                    finished_at=now,
                    heartbeat_at=now,
                    metrics=outcome.run_metrics,
                    device=outcome.device,
                    n_train=outcome.n_train,
                    n_heldout=outcome.n_heldout,
                    loss_curve=outcome.loss_curve,
                )
            )
            if not done:
                raise stop_reason(claim)
            run = TrainingRun.objects.get(pk=claim.run_id)
            version = version_create(
                run=run,
                artifact=outcome.artifact,
                sha256=outcome.sha256,
                config=outcome.config,
                metrics=outcome.metrics,
            )
            _promote_if_better(scoring_model, run, version, outcome.decision)
            return run
    except BaseException:
        artifact_delete(outcome.artifact)  # nothing refers to it: the transaction rolled back
        raise


def _promote_if_better(
    scoring_model: ScoringModel, run: TrainingRun, version: ModelVersion, decision: Decision
) -> None:
    """Apply the decision, unless the version it compared with is no longer the active one.
    The caller holds the scoring model's lock."""
    promote, text = decision.promote, decision.text
    active = ModelVersion.objects.filter(scoring_model=scoring_model, is_active=True)
    if active.values_list("pk", flat=True).first() != decision.baseline_version_id:
        # A teacher restored, or a worker replaced a broken, version while this run trained.
        promote, text = False, "not promoted: the active version changed while this run trained"
    if promote:
        version_activate(actor=None, version=version, reason=text)
    run.promoted, run.decision = promote, f"v{version.number} {text}"[:300]
    run.save(update_fields=["promoted", "decision"])


def _describe(exc: BaseException) -> str:
    if isinstance(exc, TrainingDataError):
        return str(exc)
    if isinstance(exc, SoftTimeLimitExceeded):
        return "The run took longer than its time limit and was stopped."
    return f"{type(exc).__name__}: {exc}"


def training_run_execute(*, run_id: int) -> str:
    """Claim, train, evaluate, store and record a run; returns what happened (for the task log).

    A duplicate delivery (nothing to claim) returns at once. Any failure leaves the run failed
    with the error text and no version; a cancel leaves it cancelled.
    """
    claim = claim_run(run_id)
    if claim is None:
        logger.info("training run %s: nothing to claim (finished, or alive elsewhere)", run_id)
        return "skipped"
    try:
        _record(claim, _train(claim))
    except TrainingCancelled:
        finish(claim, TrainingRun.Status.CANCELLED, stage="cancelled")
        return "cancelled"
    except RunSuperseded as exc:
        logger.warning("training run %s: %s; stopping", run_id, exc)
        return "superseded"
    except Exception as exc:
        logger.exception("training run %s failed", run_id)
        finish(claim, TrainingRun.Status.FAILED, stage="failed", error=_describe(exc))
        return "failed"
    return "succeeded"


# --- Periodic work ---------------------------------------------------------------------------

_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def retrain_due() -> list[int]:
    """Start a run for each scoring model with at least its threshold of new teacher grades since
    its last run was created (none: since ever); returns the ids of the runs started."""
    last_run = (
        TrainingRun.objects.filter(scoring_model=OuterRef("pk"))
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    decided = (
        teacher_decision_events()
        .filter(grade__answer__question=OuterRef("question"), created_at__gt=OuterRef("since"))
        .values("grade__answer__question")
        .annotate(n=Count("grade", distinct=True))
        .values("n")
    )
    due = (
        ScoringModel.objects.exclude(runs__status__in=IN_FLIGHT)
        .annotate(since=Coalesce(Subquery(last_run), Value(_EPOCH), output_field=DateTimeField()))
        .annotate(new_grades=Coalesce(Subquery(decided), Value(0)))
        .filter(new_grades__gte=F("retrain_threshold"))
        .order_by("pk")
    )
    started = []
    for scoring_model in due:
        run, created = _start(
            actor=None, scoring_model=scoring_model, trigger=TrainingRun.Trigger.THRESHOLD
        )
        if created:
            started.append(run.pk)
    return started


def training_runs_sweep() -> list[int]:
    """Enqueue again the runs a lost worker or broker left behind: running with a stale heartbeat,
    or queued for longer than the stale time. The claim makes a duplicate harmless."""
    stale = stale_before()
    running = Q(status=TrainingRun.Status.RUNNING) & (
        Q(heartbeat_at__lt=stale) | Q(heartbeat_at__isnull=True)
    )
    queued = Q(status=TrainingRun.Status.QUEUED, created_at__lt=stale)
    lost = list(TrainingRun.objects.filter(running | queued).values_list("pk", "queue"))
    for run_id, queue in lost:
        _enqueue(run_id, queue)
    return [run_id for run_id, _ in lost]
