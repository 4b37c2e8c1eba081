"""`Idempotency-Key` on POST: a retried request returns the first one's response, once done.

The record is inserted in the same transaction as the work. A concurrent retry's insert waits
on the unique (user, key) index until the first transaction ends: after a commit it fails and
replays the stored response; after a rollback it goes ahead and does the work itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from lms.api.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_CHARS = 255


class KeyReused(APIException):
    status_code = 422
    default_code = "idempotency_key_reused"
    default_detail = "This Idempotency-Key was used with another request."


def _fingerprint(request: Request) -> str:
    body = json.dumps(request.data, sort_keys=True, cls=DjangoJSONEncoder)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(request: Request, perform: Callable[[], tuple[int, Any]]) -> Response:
    """Run `perform` (returning status and body) at most once per key and user."""
    key = request.headers.get(HEADER, "").strip()
    if not key:
        status, body = perform()
        return Response(body, status=status)
    if len(key) > MAX_KEY_CHARS:
        raise ValidationError({HEADER: [f"At most {MAX_KEY_CHARS} characters."]})
    fingerprint = _fingerprint(request)
    user_id = request.user.pk
    assert user_id is not None  # IsAuthenticated ran first
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    user_id=user_id,
                    key=key,
                    endpoint=request.path[:200],
                    request_hash=fingerprint,
                    status_code=0,
                    response={},
                )
        except IntegrityError:
            stored = IdempotencyRecord.objects.get(user_id=user_id, key=key)
            if stored.request_hash != fingerprint:
                raise KeyReused() from None
            return Response(
                stored.response, status=stored.status_code, headers={"Idempotent-Replayed": "true"}
            )
        status, body = perform()
        record.status_code = status
        record.response = json.loads(json.dumps(body, cls=DjangoJSONEncoder))
        record.save(update_fields=["status_code", "response"])
    return Response(body, status=status)
