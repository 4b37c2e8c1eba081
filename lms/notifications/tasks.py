"""Notification tasks on the `default` queue: ids in, a service decides who is told, then the
e-mail goes out. Each is idempotent (see `lms.notifications.services`), so a redelivery or a
retry creates and sends nothing twice."""

from __future__ import annotations

from smtplib import SMTPException
from typing import Any

from celery import shared_task
from celery.contrib.django.task import DjangoTask
from django.db import InterfaceError, OperationalError

from lms.notifications.services import (
    due_soon_notify,
    feedback_ready_notify,
    grades_released_notify,
    notifications_mail,
)

SOFT_SECONDS, HARD_SECONDS = 60, 90
# The database briefly unreachable, or the mail server: 2, 4, 8 ... s, then give up.
RETRY_ON = (OperationalError, InterfaceError, SMTPException, ConnectionError)
RETRY_OPTIONS: dict[str, Any] = {
    "base": DjangoTask,
    "acks_late": True,
    "soft_time_limit": SOFT_SECONDS,
    "time_limit": HARD_SECONDS,
    "autoretry_for": RETRY_ON,
    "retry_backoff": 2,
    "retry_backoff_max": 120,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(name="notifications.feedback_ready", **RETRY_OPTIONS)
def feedback_ready_task(submission_id: int) -> int:
    """Notify the student that the AI feedback on a submission is ready; returns e-mails sent."""
    return notifications_mail(notification_ids=feedback_ready_notify(submission_id=submission_id))


@shared_task(name="notifications.grades_released", **RETRY_OPTIONS)
def grades_released_task(grade_ids: list[int], release_key: str) -> int:
    """Notify each student of one release once; returns e-mails sent."""
    ids = grades_released_notify(grade_ids=grade_ids, release_key=release_key)
    return notifications_mail(notification_ids=ids)


@shared_task(name="notifications.due_soon", **RETRY_OPTIONS)
def due_soon_task() -> int:
    """Remind students of work due within 24 hours (celery beat); returns e-mails sent."""
    return notifications_mail(notification_ids=due_soon_notify())
