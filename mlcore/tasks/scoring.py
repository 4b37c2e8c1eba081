"""Scoring tasks on the `ml_cpu` queue: ids in, the service does the work, retries only when the
database is briefly unreachable. Both are idempotent (see `mlcore.services.scoring`), so a
redelivery after a lost worker, or the sweep's re-enqueue, costs a few queries and writes nothing.
"""

from __future__ import annotations

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError

from mlcore.services.scoring import question_rescore, submission_score

# Soft limits raise in the task (the rows written so far are committed); the hard limit kills a
# stuck process. Scoring a submission takes well under a second warm; the first call in a cold
# process also loads the encoder and the question's model (a few seconds).
SCORE_SOFT_SECONDS, SCORE_HARD_SECONDS = 60, 90
RESCORE_SOFT_SECONDS, RESCORE_HARD_SECONDS = 15 * 60, 16 * 60
# Retried only while the database is briefly unreachable (a restart, a failover): 2, 4, 8 ... s.
RETRY_ON = (OperationalError, InterfaceError)
RETRY_BACKOFF, RETRY_BACKOFF_MAX, MAX_RETRIES = 2, 120, 6


@shared_task(
    name="mlcore.score_submission",
    base=DjangoTask,
    acks_late=True,
    soft_time_limit=SCORE_SOFT_SECONDS,
    time_limit=SCORE_HARD_SECONDS,
    autoretry_for=RETRY_ON,
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def score_submission_task(submission_id: int) -> int:
    """Score a submission's text answers; returns the predictions written."""
    return submission_score(submission_id=submission_id)


@shared_task(
    name="mlcore.rescore_question",
    base=DjangoTask,
    acks_late=True,
    soft_time_limit=RESCORE_SOFT_SECONDS,
    time_limit=RESCORE_HARD_SECONDS,
    autoretry_for=RETRY_ON,
    retry_backoff=RETRY_BACKOFF,
    retry_backoff_max=RETRY_BACKOFF_MAX,
    retry_jitter=True,
    max_retries=MAX_RETRIES,
)
def rescore_question_task(scoring_model_id: int) -> int:
    """Rescore a question's ungraded answers with its active version; returns rows written."""
    return question_rescore(scoring_model_id=scoring_model_id)
