"""Webhook delivery, on the `default` queue, retried with exponential backoff."""

from __future__ import annotations

from typing import Any

from celery import Task, shared_task
from celery.contrib.django.task import DjangoTask

from lms.api.webhooks import webhook_deliver

MAX_RETRIES = 6  # 7 attempts over about an hour: 1, 2, 4, 8, 16, 32 minutes apart
BACKOFF_SECONDS = 60


class DeliveryFailed(Exception):
    pass


@shared_task(
    bind=True,
    name="api.deliver_webhook",
    base=DjangoTask,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=30,
    time_limit=60,
    max_retries=MAX_RETRIES,
)
def deliver_webhook_task(self: Task[Any, Any], delivery_id: int) -> bool | None:
    """Send one webhook delivery; a failure is retried later, the last one marks it failed."""
    final = self.request.retries >= MAX_RETRIES
    delivered = webhook_deliver(delivery_id=delivery_id, final=final)
    if delivered is False and not final:
        countdown = BACKOFF_SECONDS * 2**self.request.retries
        raise self.retry(countdown=countdown, exc=DeliveryFailed(f"delivery {delivery_id}"))
    return delivered
