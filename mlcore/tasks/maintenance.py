"""Periodic and housekeeping tasks of the feedback loop (queue `default`; beat runs the periodic
ones on the periods in `CELERY_BEAT_SCHEDULE`).

- `mlcore.retrain_due`: start training where enough new teacher grades arrived.
- `mlcore.sweep_unscored`: enqueue scoring again for submissions a lost message left unscored.
- `mlcore.sweep_stale_runs`: hand training runs of lost workers (or lost messages) on. It also
  runs when a worker starts, and once more when a heartbeat written just before a crash has had
  time to go stale, so a restarted worker picks up a killed run without waiting for beat.
- `mlcore.prune_artifacts`: remove old model artifacts beyond the retention setting.
- `mlcore.notify_version_broken`: e-mail the course's teachers that a version is broken.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from celery import shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.utils import timezone

from mlcore.services.registry import version_broken_notify, versions_prune
from mlcore.services.scoring import submissions_unscored
from mlcore.services.training import retrain_due, training_runs_sweep
from mlcore.tasks.scoring import score_submission_task

logger = logging.getLogger(__name__)

_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "soft_time_limit": 120,
    "time_limit": 180,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": True,
    "max_retries": 3,
}


@shared_task(name="mlcore.retrain_due", **_OPTIONS)
def retrain_due_task() -> list[int]:
    """Start a training run for each question with enough new teacher grades."""
    return retrain_due()


@shared_task(name="mlcore.sweep_unscored", **_OPTIONS)
def sweep_unscored_task() -> list[int]:
    """Enqueue scoring again for submissions still unscored after `AULA_SCORING_STALE_SECONDS`."""
    older_than = timezone.now() - timedelta(seconds=settings.AULA_SCORING_STALE_SECONDS)
    submission_ids = submissions_unscored(older_than=older_than)
    for submission_id in submission_ids:
        score_submission_task.delay(submission_id)
    return submission_ids


@shared_task(name="mlcore.sweep_stale_runs", **_OPTIONS)
def sweep_stale_runs_task() -> list[int]:
    """Enqueue again the training runs whose worker or message was lost."""
    return training_runs_sweep()


@shared_task(name="mlcore.prune_artifacts", **_OPTIONS)
def prune_artifacts_task() -> list[int]:
    """Delete artifacts beyond the active and the newest `AULA_ARTIFACTS_KEEP` versions."""
    return versions_prune()


@shared_task(name="mlcore.notify_version_broken", **_OPTIONS)
def notify_version_broken_task(version_id: int) -> int:
    """E-mail the course's teachers that a model version is broken."""
    return version_broken_notify(version_id=version_id)


def _sweep_in_process() -> None:
    try:
        runs = training_runs_sweep()
        if runs:
            logger.info("worker start: training runs %s enqueued again", runs)
    except Exception:
        # A sweep that cannot run now is not worth failing a worker's start: beat runs it too.
        logger.exception("worker start: the sweep of stale training runs failed")
    finally:
        connection.close()  # this thread's (or the parent's) connection; tasks open their own


@worker_ready.connect
def _sweep_when_a_worker_starts(**_: Any) -> None:
    # In this process rather than through the broker: a worker that consumes only some queues
    # would otherwise leave the message for a worker that may not exist.
    _sweep_in_process()
    later = threading.Timer(settings.AULA_TRAINING_STALE_SECONDS + 5, _sweep_in_process)
    later.daemon = True
    later.start()
