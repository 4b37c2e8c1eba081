"""Training tasks: `mlcore.train_cpu` (queue `ml_cpu`) and `mlcore.train_gpu` (queue `ml_gpu`, one
`--pool=solo` worker per GPU). Both run `training_run_execute`, whose claim makes a duplicate
delivery harmless; a worker lost mid-run is recovered by `mlcore.sweep_stale_runs`."""

from __future__ import annotations

import threading
from typing import Any

from celery import Task, shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from mlcore.services.training import training_run_execute

# The hard limit is the longest any task may run (Redis's visibility timeout is set above it);
# the soft one comes two minutes earlier, so the run is recorded as failed rather than left running.
TRAIN_TIME_LIMIT = settings.CELERY_LONGEST_TASK_SECONDS
TRAIN_SOFT_TIME_LIMIT = max(TRAIN_TIME_LIMIT - 120, TRAIN_TIME_LIMIT // 2)

_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": TRAIN_SOFT_TIME_LIMIT,
    "time_limit": TRAIN_TIME_LIMIT,
    # Only a database that went away briefly is worth retrying; the claim skips a live run.
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "retry_backoff_max": 300,
    "max_retries": 5,
}


# One training at a time per worker process. Under a threads pool (the embedded `make run` worker)
# a second training would otherwise take the thread that scores students' submissions, and
# feedback would wait minutes behind it; the second one goes back to the broker and comes again.
# Prefork children and solo workers run one task at a time anyway.
_TRAINING_SLOT = threading.BoundedSemaphore(1)
BUSY_RETRY_SECONDS = 15


def _train(task: Task[Any, Any], run_id: int) -> str:
    if not _TRAINING_SLOT.acquire(blocking=False):
        raise task.retry(countdown=BUSY_RETRY_SECONDS, max_retries=None)
    try:
        return training_run_execute(run_id=run_id)
    finally:
        _TRAINING_SLOT.release()


@shared_task(bind=True, name="mlcore.train_cpu", **_OPTIONS)
def train_cpu_task(self: Task[Any, Any], run_id: int) -> str:
    """Train a question's model on the CPU (every family but the cross-encoder)."""
    return _train(self, run_id)


@shared_task(bind=True, name="mlcore.train_gpu", **_OPTIONS)
def train_gpu_task(self: Task[Any, Any], run_id: int) -> str:
    """Fine-tune a question's cross-encoder on a GPU worker."""
    return _train(self, run_id)
