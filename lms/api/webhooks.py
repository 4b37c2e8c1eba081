"""Webhooks: register endpoints, record one delivery per event and endpoint, send it signed.

    Aula-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>

The receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares in constant
time and refuses old timestamps (replays). Deliveries are at least once: `Aula-Delivery` carries
the delivery id, for the receiver to drop a repeat.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from lms.accounts.models import User
from lms.api.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from lms.courses.models import Course
from lms.courses.selectors import can_manage_course

TIMEOUT_SECONDS = 10
MAX_ERROR_CHARS = 2000
USER_AGENT = "Aula-Webhooks/1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Aula-Signature` header value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


@transaction.atomic
def webhook_endpoint_create(
    *, owner: User, url: str, events: list[str], course: Course | None = None
) -> WebhookEndpoint:
    """Register an endpoint: a course's teacher for the course, a site administrator for all."""
    if course is None and not owner.is_staff:
        raise PermissionDenied("Only site administrators register site-wide webhooks.")
    if course is not None and not can_manage_course(user=owner, course=course):
        raise PermissionDenied("Only the course's teachers register its webhooks.")
    unknown = sorted(set(events) - set(WebhookEvent.values))
    if unknown or not events:
        raise ValidationError({"events": f"Choose among {', '.join(WebhookEvent.values)}."})
    if not url.startswith(("https://", "http://")):
        raise ValidationError({"url": "Give an http or https address."})
    return WebhookEndpoint.objects.create(
        owner=owner,
        course=course,
        url=url,
        events=sorted(set(events)),
        secret=secrets.token_hex(32),
    )


def webhook_dispatch(*, event: str, course_id: int, key: str, data: dict[str, Any]) -> list[int]:
    """Record a delivery of `event` for every endpoint that listens to it in the course (or site
    wide) and send each once the transaction commits. Returns the new deliveries' ids."""
    from lms.api.tasks import deliver_webhook_task  # the task module imports this one

    endpoints = WebhookEndpoint.objects.filter(
        Q(course_id=course_id) | Q(course__isnull=True), is_active=True
    )
    created = []
    for endpoint in endpoints:
        if event not in endpoint.events:
            continue
        # Through DjangoJSONEncoder once: times become ISO 8601 and decimals strings, as sent.
        payload = json.loads(
            json.dumps(
                {
                    "event": event,
                    "created_at": timezone.now().isoformat(),
                    "course": course_id,
                    "data": data,
                },
                cls=DjangoJSONEncoder,
            )
        )
        try:
            with transaction.atomic():
                delivery = WebhookDelivery.objects.create(
                    endpoint=endpoint, event=event, event_key=key, payload=payload
                )
        except IntegrityError:
            continue  # this event already went (or is going) to this endpoint
        deliver_webhook_task.delay_on_commit(delivery.pk)
        created.append(delivery.pk)
    return created


@dataclass(frozen=True)
class Attempt:
    ok: bool
    response_code: int | None
    error: str


def _post(endpoint: WebhookEndpoint, delivery: WebhookDelivery) -> Attempt:
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()
    request = urllib.request.Request(
        endpoint.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Aula-Event": delivery.event,
            "Aula-Delivery": str(delivery.pk),
            "Aula-Signature": sign(endpoint.secret, int(time.time()), body),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            return Attempt(True, response.status, "")
    except urllib.error.HTTPError as exc:
        return Attempt(False, exc.code, f"HTTP {exc.code} {exc.reason}")
    except (urllib.error.URLError, OSError) as exc:
        return Attempt(False, None, str(exc)[:MAX_ERROR_CHARS])


def webhook_deliver(*, delivery_id: int, final: bool) -> bool | None:
    """Make one attempt at a delivery and record it; `final` marks it failed if this one fails.

    Returns True when delivered, False when it failed, None when there was nothing to send (done
    already, or the endpoint was switched off).
    """
    delivery = (
        WebhookDelivery.objects.select_related("endpoint")
        .filter(pk=delivery_id, status=WebhookDelivery.Status.PENDING)
        .first()
    )
    if delivery is None or not delivery.endpoint.is_active:
        return None
    attempt = _post(delivery.endpoint, delivery)
    now = timezone.now()
    status = WebhookDelivery.Status.PENDING
    if attempt.ok:
        status = WebhookDelivery.Status.SUCCEEDED
    elif final:
        status = WebhookDelivery.Status.FAILED
    # Conditional on PENDING: a duplicate task that raced this one records nothing over a success.
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.PENDING).update(
        status=status,
        attempts=F("attempts") + 1,
        response_code=attempt.response_code,
        error=attempt.error,
        last_attempt_at=now,
        delivered_at=now if attempt.ok else None,
    )
    return attempt.ok
