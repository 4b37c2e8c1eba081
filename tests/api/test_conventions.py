"""Canvas conventions: pages with Link headers, filters and ordering, one error shape, 429 with
Retry-After, ISO 8601 times with a zone; and the committed OpenAPI schema matches the code."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from lms.accounts.models import User
from lms.courses.models import Course
from tests.api.conftest import Client
from tests.api.world import World
from tests.factories import AssignmentFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _links(header: str) -> dict[str, str]:
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


def test_pages_carry_link_headers(world: World, client_as: Client, course: Course) -> None:
    for _ in range(3):
        AssignmentFactory(course=course)
    client = client_as("teacher")
    first = client.get("/api/v1/assignments/", {"per_page": 2})
    assert first.status_code == 200
    assert len(first.json()) == 2
    assert first["X-Total-Count"] == "5"
    links = _links(first["Link"])
    assert set(links) == {"current", "first", "next", "last"}
    assert "page=3" in links["last"]
    assert "per_page=2" in links["next"]
    second = client.get(links["next"])
    assert set(_links(second["Link"])) == {"current", "first", "prev", "next", "last"}
    last = client.get(links["last"])
    assert len(last.json()) == 1
    ids = {row["id"] for page in (first, second, last) for row in page.json()}
    assert len(ids) == 5
    too_far = client.get("/api/v1/assignments/", {"page": 9})
    assert too_far.status_code == 404
    assert too_far.json()["error"]["code"] == "not_found"


def test_filters_and_ordering(world: World, client_as: Client) -> None:
    client = client_as("teacher")
    published = world.a.published
    rows = client.get("/api/v1/questions/", {"assignment": published.pk}).json()
    assert {row["assignment"] for row in rows} == {published.pk}
    assert len(rows) == 2
    positions = [r["position"] for r in client.get("/api/v1/questions/?ordering=-position").json()]
    assert positions == sorted(positions, reverse=True)
    # A filter on a course the caller cannot read is simply empty, not an error that says the
    # id exists.
    other = client.get("/api/v1/assignments/", {"course": world.b.course.pk})
    assert other.status_code == 200
    assert other.json() == []


def test_one_error_shape(world: World, client_as: Client) -> None:
    client = client_as("student")
    invalid = client.post("/api/v1/submissions/", {"answers": "x"}, format="json")
    assert invalid.status_code == 400
    error = invalid.json()["error"]
    assert error["code"] == "invalid"
    assert set(error["fields"]) == {"assignment", "answers"}
    assert isinstance(error["message"], str)
    # A service's own refusal (Django's ValidationError) has the same shape.
    closed = client.post(
        "/api/v1/submissions/",
        {"assignment": world.a.published.pk, "answers": {"999999": {"text": "x"}}},
        format="json",
    )
    assert closed.status_code == 400
    assert closed.json()["error"]["message"] == "Question 999999 is not part of this assignment."
    missing = client.get("/api/v1/courses/999999/")
    assert missing.json() == {
        "error": {
            "code": "not_found",
            "message": "No Course matches the given query.",
            "fields": {},
        }
    }


def test_times_are_iso_8601_with_a_zone(world: World, client_as: Client) -> None:
    body = client_as("teacher").get(f"/api/v1/assignments/{world.a.published.pk}/").json()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", body["due_at"])


def test_throttled_requests_get_429_with_retry_after(student: User, settings: Any) -> None:
    from rest_framework.test import APIClient

    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] | {"user": "3/minute"}
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"DEFAULT_THROTTLE_RATES": rates}
    client = APIClient()
    client.force_authenticate(student)
    statuses = [client.get("/api/v1/courses/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/courses/")
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["error"]["code"] == "throttled"


def test_no_serializer_takes_every_field() -> None:
    source = (ROOT / "lms" / "api" / "serializers.py").read_text()
    assert "fields = [" in source
    for path in (ROOT / "lms" / "api").rglob("*.py"):
        assert "__all__" not in path.read_text(), path


def test_schema_pages_answer(client_as: Client, world: World) -> None:
    client = client_as("anonymous")
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"openapi: 3" in schema.content
    assert client.get("/api/v1/docs/").status_code == 200
    assert client.get("/api/v1/redoc/").status_code == 200


def test_committed_schema_matches_the_code(tmp_path: Path) -> None:
    generated = tmp_path / "schema.yml"
    call_command("spectacular", "--file", str(generated), "--fail-on-warn")
    committed = (ROOT / "schema.yml").read_text()
    assert generated.read_text() == committed, (
        "schema.yml is stale: run `python manage.py spectacular --file schema.yml`"
    )
