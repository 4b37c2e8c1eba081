"""Training tasks: `mlcore.train_cpu` (queue `ml_cpu`) and `mlcore.train_gpu` (queue `ml_gpu`, one
`--pool=solo` worker per GPU). Both run `training_run_execute`, whose claim makes a duplicate
delivery harmless; a worker lost mid-run is recovered by `mlcore.sweep_stale_runs`."""

from __future__ import annotations

from typing import Any

from celery import shared_task
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


@shared_task(name="mlcore.train_cpu", **_OPTIONS)
def train_cpu_task(run_id: int) -> str:
    """Train a question's model on the CPU (every family but the cross-encoder)."""
    return training_run_execute(run_id=run_id)


@shared_task(name="mlcore.train_gpu", **_OPTIONS)
def train_gpu_task(run_id: int) -> str:
    """Fine-tune a question's cross-encoder on a GPU worker."""
    return training_run_execute(run_id=run_id)
