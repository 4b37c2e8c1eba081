"""The row protocol of a running training run: claim it, report on it, finish it.

A worker owns a run while the row says (status running, attempts = its attempt). Every write it
makes is an UPDATE conditional on that (and, for progress, on no cancel request), so a worker that
lost its run to a takeover, or whose run was cancelled, finds out at its next write and stops.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from mlcore.engine.training import Callback, TrainingCancelled, TrainState
from mlcore.models import TrainingRun

#: Progress, loss curve, heartbeat and the cancel check are written at most this often.
REPORT_EVERY_SECONDS = 1.0
#: A run whose worker was lost this many times fails instead of being handed on again.
MAX_ATTEMPTS = 3
FIT_START, FIT_END = 5, 90  # percent: the fit's share of the progress bar
IN_FLIGHT = (TrainingRun.Status.QUEUED, TrainingRun.Status.RUNNING)


class RunSuperseded(Exception):
    """This worker no longer owns the run: another took it over, or it finished meanwhile."""


@dataclass(frozen=True)
class Claim:
    run_id: int
    attempt: int


def stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=settings.AULA_TRAINING_STALE_SECONDS)


def claim_run(run_id: int) -> Claim | None:
    """Take the run (queued, or running with a stale heartbeat) by one conditional UPDATE."""
    row = TrainingRun.objects.filter(pk=run_id).values("status", "attempts", "heartbeat_at").first()
    if row is None or row["status"] not in IN_FLIGHT:
        return None
    now = timezone.now()
    mine = TrainingRun.objects.filter(pk=run_id, status=row["status"], attempts=row["attempts"])
    fields: dict[str, Any] = {"attempts": row["attempts"] + 1, "heartbeat_at": now}
    if row["status"] == TrainingRun.Status.QUEUED:
        fields |= {"status": TrainingRun.Status.RUNNING, "started_at": now, "stage": "starting"}
    else:
        if row["heartbeat_at"] is not None and row["heartbeat_at"] >= stale_before():
            return None  # alive elsewhere: a duplicate delivery
        # The old heartbeat is part of the condition: of two workers taking over, one wins.
        mine = mine.filter(heartbeat_at=row["heartbeat_at"])
        if row["attempts"] >= MAX_ATTEMPTS:
            error = f"the worker running it was lost {row['attempts']} times; not retried again"
            mine.update(status=TrainingRun.Status.FAILED, error=error, finished_at=now)
            return None
        stage = f"restarted after a lost worker (attempt {row['attempts'] + 1})"
        fields |= {"stage": stage, "progress": 0, "loss_curve": []}
    if not mine.update(**fields):
        return None
    return Claim(run_id, row["attempts"] + 1)


def owned(claim: Claim) -> QuerySet[TrainingRun]:
    return TrainingRun.objects.filter(
        pk=claim.run_id, status=TrainingRun.Status.RUNNING, attempts=claim.attempt
    )


def stop_reason(claim: Claim) -> Exception:
    row = owned(claim).values("cancel_requested").first()
    if row is not None and row["cancel_requested"]:
        return TrainingCancelled("cancelled by a teacher")
    return RunSuperseded(f"run {claim.run_id} attempt {claim.attempt} is no longer this worker's")


def report(claim: Claim, **fields: Any) -> None:
    """Write progress fields and a heartbeat; raise if the run was cancelled or taken over."""
    fields["heartbeat_at"] = timezone.now()
    if not owned(claim).filter(cancel_requested=False).update(**fields):
        raise stop_reason(claim)


def finish(claim: Claim, status: str, **fields: Any) -> None:
    now = timezone.now()
    owned(claim).update(status=status, finished_at=now, heartbeat_at=now, **fields)


class RunReporter(Callback):
    """Adapts the engine's training loop to the run's row: progress, stage, loss curve,
    heartbeat and the cancel check, at most every `every` seconds."""

    def __init__(self, claim: Claim, families: Sequence[str], every: float = REPORT_EVERY_SECONDS):
        self.claim, self.families, self.every = claim, list(families), every
        self.index = -1
        self.curve: list[dict[str, Any]] = []
        self._last = -float("inf")

    def on_train_start(self, state: TrainState) -> None:
        self.index += 1
        self.flush(state, force=True)

    def on_batch_end(self, state: TrainState) -> None:
        self.flush(state)

    def on_epoch_end(self, state: TrainState) -> None:
        row = state.history[-1]
        point = {"family": self.family, "epoch": int(row["epoch"])}
        names = {"train_loss": "train_loss", "val_loss": "val_loss", "val_score": "val_metric"}
        for key, name in names.items():
            if key in row:
                value = float(row[key])
                # NaN (say, a metric of constant predictions) is not JSON; PostgreSQL refuses it.
                point[name] = round(value, 6) if math.isfinite(value) else None
        self.curve.append(point)
        self.flush(state)

    @property
    def family(self) -> str:
        return self.families[min(max(self.index, 0), len(self.families) - 1)]

    def _where(self, state: TrainState) -> tuple[int, str]:
        epochs = max(state.cfg.epochs, 1)
        steps = state.steps_per_epoch or 1
        done = (max(state.epoch - 1, 0) + min(state.batch_in_epoch / steps, 1.0)) / epochs
        share = (self.index + done) / len(self.families)
        progress = FIT_START + round((FIT_END - FIT_START) * min(share, 1.0))
        which = self.family
        if len(self.families) > 1:
            which += f" ({self.index + 1} of {len(self.families)})"
        return progress, f"training {which}: epoch {max(state.epoch, 1)} of {epochs}"

    def flush(self, state: TrainState, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now - self._last < self.every:
            return
        self._last = now
        progress, stage = self._where(state)
        report(self.claim, progress=progress, stage=stage, loss_curve=self.curve)
