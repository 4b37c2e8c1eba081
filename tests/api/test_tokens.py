"""Personal API tokens: made in a session, shown once, stored hashed, scoped, expiring and
revocable."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from lms.accounts.models import User
from lms.api.models import ApiToken

pytestmark = pytest.mark.django_db


def _session(user: User) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def _make(user: User, scope: str = "read", **extra: object) -> dict[str, object]:
    response = _session(user).post("/api/v1/tokens/", {"name": "sis", "scope": scope, **extra})
    assert response.status_code == 201, response.content
    body: dict[str, object] = response.json()
    return body


def _bearer(key: object) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_the_key_is_shown_once_and_only_its_hash_is_stored(student: User) -> None:
    body = _make(student)
    key = str(body["key"])
    token = ApiToken.objects.get(pk=body["id"])
    assert token.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key not in (token.prefix, token.key_hash)
    listed = _session(student).get("/api/v1/tokens/").json()
    assert [t["id"] for t in listed] == [body["id"]]
    assert "key" not in listed[0]
    me = _bearer(key).get("/api/v1/users/me/")
    assert me.status_code == 200
    assert me.json()["email"] == student.email
    assert ApiToken.objects.get(pk=body["id"]).last_used_at is not None


def test_a_read_token_reads_but_may_not_write(student: User, teacher: User) -> None:
    client = _bearer(_make(teacher)["key"])
    assert client.get("/api/v1/courses/").status_code == 200
    response = client.patch("/api/v1/users/me/", {"display_name": "New"})
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    writer = _bearer(_make(teacher, scope="read-write")["key"])
    assert writer.patch("/api/v1/users/me/", {"display_name": "New"}).status_code == 200


def test_a_token_cannot_mint_tokens(student: User) -> None:
    client = _bearer(_make(student, scope="read-write")["key"])
    assert client.post("/api/v1/tokens/", {"name": "x", "scope": "read"}).status_code == 403
    assert ApiToken.objects.count() == 1


def test_revoked_expired_and_wrong_keys_are_refused(student: User, outsider: User) -> None:
    body = _make(student)
    key = str(body["key"])
    session = _session(student)
    assert _session(outsider).delete(f"/api/v1/tokens/{body['id']}/").status_code == 404
    assert _bearer(key).get("/api/v1/courses/").status_code == 200
    revoked = session.delete(f"/api/v1/tokens/{body['id']}/")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    response = _bearer(key).get("/api/v1/courses/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"

    other = _make(student)
    ApiToken.objects.filter(pk=other["id"]).update(expires_at=timezone.now() - timedelta(1))
    assert _bearer(other["key"]).get("/api/v1/courses/").status_code == 401
    assert _bearer(str(other["key"])[:-2] + "xx").get("/api/v1/courses/").status_code == 401
    assert _bearer("nonsense").get("/api/v1/courses/").status_code == 401


def test_an_expiry_in_the_past_is_refused(student: User) -> None:
    past = (timezone.now() - timedelta(hours=1)).isoformat()
    response = _session(student).post(
        "/api/v1/tokens/", {"name": "x", "scope": "read", "expires_at": past}
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "expires_at": ["The expiry must be in the future."]
    }


def test_a_deactivated_user_token_is_refused(student: User) -> None:
    key = _make(student)["key"]
    User.objects.filter(pk=student.pk).update(is_active=False)
    assert _bearer(key).get("/api/v1/courses/").status_code == 401


def test_session_writes_need_the_csrf_token(student: User) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(student)
    response = client.post("/api/v1/tokens/", {"name": "x", "scope": "read"})
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


def test_token_creation_is_throttled(student: User, settings: Any) -> None:
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] | {"tokens": "2/hour"}
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"DEFAULT_THROTTLE_RATES": rates}
    session = _session(student)
    for _ in range(2):
        assert session.post("/api/v1/tokens/", {"name": "x"}).status_code == 201
    response = session.post("/api/v1/tokens/", {"name": "x"})
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"]["code"] == "throttled"
