"""Training runs: start, claim, cancel, execute (real tiny trainings), failures, retrain check,
sweep."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import torch
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from torch import nn

from lms.accounts.models import User
from lms.courses.models import Course
from lms.grading.models import Grade
from lms.grading.services import grade_release
from mlcore.artifacts import artifact_storage
from mlcore.engine.training import TrainConfig, TrainingCancelled, TrainState
from mlcore.models import ModelVersion, TrainingRun
from mlcore.services import training as training_service
from mlcore.services.registry import scoring_model_for, scoring_model_update
from mlcore.services.training import (
    retrain_due,
    training_run_cancel,
    training_run_execute,
    training_run_start,
    training_runs_sweep,
)
from mlcore.services.training_claims import (
    FIT_END,
    MAX_ATTEMPTS,
    RunReporter,
    RunSuperseded,
    claim_run,
    report,
)
from mlcore.services.training_data import MIN_TRAINING_GRADES, heldout_split, training_examples
from mlcore.tasks.scoring import rescore_question_task
from mlcore.tasks.training import train_cpu_task, train_gpu_task
from tests.mlcore.training_helpers import (
    Sent,
    add_answers,
    grade_answers,
    graded_question,
    graded_texts,
    record_sent,
    text_question,
    use_artifact_dir,
)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    return record_sent(monkeypatch, [train_cpu_task, train_gpu_task, rescore_question_task])


@pytest.fixture
def artifacts(settings: Any, tmp_path: Path) -> Path:
    return use_artifact_dir(settings, tmp_path / "artifacts")


@pytest.fixture
def tiny_training(settings: Any, artifacts: Path) -> None:
    """The MLP family with a few epochs: seconds per run."""
    settings.AULA_TRAINING_OVERRIDES = {"epochs": 4}


def queued_run(course: Course, teacher: User, n_graded: int = 0, **fields: Any) -> TrainingRun:
    question = graded_question(course, teacher, n_graded) if n_graded else text_question(course)
    scoring_model = scoring_model_for(question)
    scoring_model.family = fields.pop("family", "mlp")
    scoring_model.save()
    return training_run_start(actor=teacher, scoring_model=scoring_model, **fields)


# --- Start and cancel --------------------------------------------------------------------------


def test_start_queues_one_run_and_a_second_start_joins_it(
    course: Course,
    teacher: User,
    sent: Sent,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run = queued_run(course, teacher)
        again = training_run_start(actor=teacher, scoring_model=run.scoring_model)
    assert again == run
    assert (run.status, run.queue, run.family, run.started_by) == (
        "queued",
        "ml_cpu",
        "mlp",
        teacher,
    )
    assert sent == [("mlcore.train_cpu", (run.pk,))]


def test_a_cross_encoder_run_goes_to_the_gpu_queue(
    course: Course,
    teacher: User,
    sent: Sent,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run = queued_run(course, teacher, family="cross_encoder")
    assert run.queue == "ml_gpu"
    assert sent == [("mlcore.train_gpu", (run.pk,))]


@pytest.mark.parametrize("who", ["student", "outsider"])
def test_students_and_outsiders_cannot_start_or_cancel(
    course: Course, teacher: User, who: str, request: pytest.FixtureRequest
) -> None:
    actor = request.getfixturevalue(who)
    run = queued_run(course, teacher)
    with pytest.raises(PermissionDenied):
        training_run_start(actor=actor, scoring_model=run.scoring_model)
    with pytest.raises(PermissionDenied):
        training_run_cancel(actor=actor, run=run)
    run.refresh_from_db()
    assert run.status == "queued"


def test_cancel_a_queued_run_at_once(course: Course, teacher: User) -> None:
    run = training_run_cancel(actor=teacher, run=queued_run(course, teacher))
    assert run.status == "cancelled"
    assert run.finished_at is not None
    assert training_run_execute(run_id=run.pk) == "skipped"  # its message, delivered later


def test_cancel_a_running_run_stops_it_at_its_next_report(course: Course, teacher: User) -> None:
    run = queued_run(course, teacher)
    claim = claim_run(run.pk)
    assert claim is not None
    run = training_run_cancel(actor=teacher, run=run)
    assert (run.status, run.cancel_requested) == ("running", True)
    with pytest.raises(TrainingCancelled):
        report(claim, progress=50)


# --- Claims ------------------------------------------------------------------------------------


def test_a_duplicate_claim_gets_nothing(course: Course, teacher: User) -> None:
    run = queued_run(course, teacher)
    first = claim_run(run.pk)
    assert first is not None
    assert first.attempt == 1
    assert claim_run(run.pk) is None  # the same message delivered twice, the run alive
    run.refresh_from_db()
    assert (run.status, run.attempts) == ("running", 1)


def test_a_stale_run_is_taken_over_and_its_old_worker_stops(
    course: Course, teacher: User, settings: Any
) -> None:
    run = queued_run(course, teacher)
    lost = claim_run(run.pk)
    assert lost is not None
    stale = timezone.now() - timedelta(seconds=settings.AULA_TRAINING_STALE_SECONDS + 1)
    TrainingRun.objects.filter(pk=run.pk).update(heartbeat_at=stale, progress=40)
    taken = claim_run(run.pk)
    assert taken is not None
    assert taken.attempt == 2
    assert claim_run(run.pk) is None
    run.refresh_from_db()
    assert (run.progress, run.attempts) == (0, 2)
    with pytest.raises(RunSuperseded):
        report(lost, progress=60)  # the lost worker, had it only been slow, stops here


def test_a_run_lost_too_often_fails(course: Course, teacher: User, settings: Any) -> None:
    run = queued_run(course, teacher)
    stale = timezone.now() - timedelta(seconds=settings.AULA_TRAINING_STALE_SECONDS + 1)
    TrainingRun.objects.filter(pk=run.pk).update(
        status="running", attempts=MAX_ATTEMPTS, heartbeat_at=stale
    )
    assert claim_run(run.pk) is None
    run.refresh_from_db()
    assert run.status == "failed"
    assert f"lost {MAX_ATTEMPTS} times" in run.error


def test_the_reporter_writes_progress_stage_and_curve_across_candidates_at_most_so_often(
    course: Course, teacher: User
) -> None:
    run = queued_run(course, teacher)
    claim = claim_run(run.pk)
    assert claim is not None
    reporter = RunReporter(claim, ["mlp", "rnn"], every=3600)
    seen = []
    for _family in ("mlp", "rnn"):  # the engine trains each candidate with a state of its own
        state = TrainState(TrainConfig(epochs=2), nn.Linear(1, 1), torch.device("cpu"))
        state.steps_per_epoch = 1
        reporter.on_train_start(state)  # forced: a new candidate always shows
        seen.append(TrainingRun.objects.values_list("progress", "stage").get(pk=run.pk))
        for epoch in (1, 2):
            state.epoch, state.batch_in_epoch = epoch, 1
            state.history.append({"epoch": epoch, "train_loss": 0.5, "val_score": float("nan")})
            reporter.on_batch_end(state)
            reporter.on_epoch_end(state)
        seen.append(TrainingRun.objects.values_list("progress", "stage").get(pk=run.pk))
    # Within `every` nothing but the forced writes reached the row.
    first, second = "training mlp (1 of 2): epoch 1 of 2", "training rnn (2 of 2): epoch 1 of 2"
    assert seen == [(5, first), (5, first), (47, second), (47, second)]
    reporter.every = 0
    reporter.flush(state)
    run.refresh_from_db()
    assert run.progress == FIT_END
    assert [(p["family"], p["epoch"]) for p in run.loss_curve] == [
        ("mlp", 1),
        ("mlp", 2),
        ("rnn", 1),
        ("rnn", 2),
    ]
    assert "val_loss" not in run.loss_curve[0]
    assert run.loss_curve[0]["val_metric"] is None  # NaN is not JSON


# --- Data --------------------------------------------------------------------------------------


def test_examples_are_the_teacher_decisions_and_the_split_is_deterministic(
    course: Course, teacher: User
) -> None:
    question = graded_question(course, teacher, 12)
    ungraded, blank = add_answers(question, ["Light bends in the air.", "   "])
    grade_answers(teacher, [(blank, 0)])
    rows = training_examples(question)
    assert len(rows) == 12  # no ungraded answer, no blank one
    assert ungraded.pk not in {a for a, _ in rows}
    train, heldout = heldout_split(question.pk, rows)
    assert (len(train), len(heldout)) == (9, 3)
    assert heldout_split(question.pk, list(reversed(rows))) == (train, heldout)
    assert {a for a, _ in train}.isdisjoint({a for a, _ in heldout})


# --- Execution ---------------------------------------------------------------------------------


def test_too_few_grades_fail_the_run_with_a_clear_message(
    course: Course, teacher: User, tiny_training: None
) -> None:
    run = queued_run(course, teacher, n_graded=MIN_TRAINING_GRADES - 1)
    assert training_run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == "failed"
    assert run.error == (
        f"Not enough teacher grades to train: this question has {MIN_TRAINING_GRADES - 1} "
        f"teacher-graded answers and needs at least {MIN_TRAINING_GRADES}."
    )
    assert not ModelVersion.objects.exists()


@pytest.mark.slow
def test_a_run_trains_evaluates_and_records_one_version(
    course: Course,
    teacher: User,
    tiny_training: None,
    sent: Sent,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    run = queued_run(course, teacher, n_graded=24)
    with django_capture_on_commit_callbacks(execute=True):
        assert training_run_execute(run_id=run.pk) == "succeeded"
    run.refresh_from_db()
    assert (run.status, run.progress, run.attempts) == ("succeeded", 100, 1)
    assert (run.n_train, run.n_heldout) == (18, 6)
    assert run.device == "cpu"
    assert [p["epoch"] for p in run.loss_curve] == [1, 2, 3, 4]
    assert {"train_loss", "val_loss", "val_metric"} <= set(run.loss_curve[0])
    version = ModelVersion.objects.get()
    assert (version.run, version.number, version.family) == (run, 1, "mlp")
    assert version.metrics["n"] == 6
    assert set(version.metrics) == {"n", "qwk", "exact", "within_one"}
    ids = version.config["train_answer_ids"] + version.config["heldout_answer_ids"]
    assert sorted(ids) == sorted(a for a, _ in training_examples(run.scoring_model.question))
    assert artifact_storage().exists(f"{version.artifact}/model.safetensors")
    # With no active version, the candidate had to beat the similarity fallback.
    compared = run.metrics["compared"]
    assert compared["baseline_name"] == "the similarity fallback"
    promoted = compared["candidate"]["qwk"] > compared["baseline"]["qwk"]
    assert run.promoted == promoted == version.is_active
    assert run.decision.startswith("v1 promoted" if promoted else "v1 not promoted")
    assert (("mlcore.rescore_question", (run.scoring_model_id,)) in sent) == promoted

    assert training_run_execute(run_id=run.pk) == "skipped"  # a redelivery after success
    assert ModelVersion.objects.count() == 1


def test_a_cancel_seen_by_the_training_callback_stops_the_run(
    course: Course, teacher: User, tiny_training: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = queued_run(course, teacher, n_graded=MIN_TRAINING_GRADES)
    real_fit = training_service.fit_scoring_model

    def fit_after_a_click(*args: Any, **kwargs: Any) -> Any:
        training_run_cancel(actor=teacher, run=run)  # the teacher clicks while it trains
        return real_fit(*args, **kwargs)

    monkeypatch.setattr(training_service, "fit_scoring_model", fit_after_a_click)
    assert training_run_execute(run_id=run.pk) == "cancelled"
    run.refresh_from_db()
    assert (run.status, run.stage) == ("cancelled", "cancelled")
    assert not ModelVersion.objects.exists()


def test_a_failure_after_storing_leaves_no_version_and_no_artifact(
    course: Course,
    teacher: User,
    tiny_training: None,
    artifacts: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = queued_run(course, teacher, n_graded=MIN_TRAINING_GRADES)

    def broken_create(**_: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(training_service, "version_create", broken_create)
    assert training_run_execute(run_id=run.pk) == "failed"
    run.refresh_from_db()
    assert (run.status, run.error) == ("failed", "RuntimeError: disk full")
    assert not ModelVersion.objects.exists()
    assert not list(artifacts.rglob("model.safetensors"))


# --- Periodic work -----------------------------------------------------------------------------


def test_retrain_due_counts_new_teacher_decisions_since_the_last_run(
    course: Course, teacher: User
) -> None:
    question = text_question(course)
    scoring_model = scoring_model_update(
        actor=teacher, scoring_model=scoring_model_for(question), retrain_threshold=5
    )
    rows = graded_texts(12)
    answers = add_answers(question, [text for text, _ in rows])
    grade_answers(teacher, [(a, p) for a, (_, p) in zip(answers[:4], rows, strict=False)])
    assert retrain_due() == []  # 4 of 5

    grade_answers(teacher, [(answers[4], 1)])
    started = retrain_due()
    run = TrainingRun.objects.get()
    assert started == [run.pk]
    assert (run.trigger, run.started_by, run.scoring_model) == ("threshold", None, scoring_model)
    assert retrain_due() == []  # in flight

    TrainingRun.objects.filter(pk=run.pk).update(status="succeeded")
    for grade in Grade.objects.filter(answer__in=answers[:5]):
        grade_release(actor=teacher, grade=grade)  # releasing decides nothing new
    grade_answers(teacher, [(a, 2) for a in answers[5:9]])  # 4 new decisions
    assert retrain_due() == []
    grade_answers(teacher, [(answers[0], 0)])  # a teacher changes their mind: the 5th
    assert len(retrain_due()) == 1


def test_sweep_enqueues_runs_left_behind_and_nothing_else(
    course: Course,
    teacher: User,
    settings: Any,
    sent: Sent,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    long_ago = timezone.now() - timedelta(seconds=settings.AULA_TRAINING_STALE_SECONDS + 5)
    runs = {name: queued_run(course, teacher) for name in ("lost", "stuck", "alive", "waiting")}
    for name in ("lost", "alive"):
        assert claim_run(runs[name].pk) is not None
    TrainingRun.objects.filter(pk=runs["lost"].pk).update(heartbeat_at=long_ago)
    TrainingRun.objects.filter(pk=runs["stuck"].pk).update(created_at=long_ago)
    sent.clear()

    with django_capture_on_commit_callbacks(execute=True):
        swept = training_runs_sweep()

    assert sorted(swept) == sorted([runs["lost"].pk, runs["stuck"].pk])
    assert sorted(sent) == sorted(("mlcore.train_cpu", (pk,)) for pk in swept)
