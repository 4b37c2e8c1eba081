"""Submitting through the API (the submit service, `Idempotency-Key`) and mass assignment."""

from __future__ import annotations

from typing import Any

import pytest

from lms.api.models import ApiToken
from lms.assignments.models import Submission
from lms.grading.models import Grade
from mlcore.models import ScoringModel, TrainingRun
from tests.api.conftest import Client
from tests.api.world import World

pytestmark = pytest.mark.django_db


def _answers(world: World) -> dict[str, Any]:
    right = world.a.choice_question.choices.get(is_correct=True).pk
    return {
        str(world.a.text_question.pk): {"text": "Blue light scatters more."},
        str(world.a.choice_question.pk): {"choice_ids": [right]},
    }


def _submit(client: Any, world: World, key: str | None = None, **extra: Any) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    body = {"assignment": world.a.published.pk, "answers": _answers(world), **extra}
    return client.post("/api/v1/submissions/", body, format="json", **headers)


def _mine(world: World) -> Any:
    return Submission.objects.filter(student=world.users["student"], assignment=world.a.published)


def test_submitting_runs_the_submit_service(world: World, client_as: Client) -> None:
    before = _mine(world).count()
    response = _submit(client_as("student"), world)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "submitted"
    assert body["attempt"] == before + 1
    submission = Submission.objects.get(pk=body["id"])
    # The choice question was graded by its answer key at submission, as on the submit page.
    choice = submission.answers.get(question=world.a.choice_question)
    assert Grade.objects.get(answer=choice).points == world.a.choice_question.points


def test_the_same_idempotency_key_makes_one_submission(world: World, client_as: Client) -> None:
    client = client_as("student")
    before = _mine(world).count()
    first = _submit(client, world, key="retry-1")
    second = _submit(client, world, key="retry-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second["Idempotent-Replayed"] == "true"
    assert _mine(world).count() == before + 1
    # Another key, or no key, is another attempt.
    assert _submit(client, world, key="retry-2").json()["id"] != first.json()["id"]
    assert _mine(world).count() == before + 2


def test_a_key_reused_with_another_body_is_refused(world: World, client_as: Client) -> None:
    client = client_as("student")
    assert _submit(client, world, key="k").status_code == 201
    other = {"assignment": world.a.published.pk, "answers": {}}
    response = client.post("/api/v1/submissions/", other, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"


def test_keys_belong_to_their_user(world: World, client_as: Client) -> None:
    mine = _submit(client_as("student"), world, key="same").json()
    theirs = _submit(client_as("peer"), world, key="same").json()
    assert mine["id"] != theirs["id"]
    assert theirs["student"] == world.users["peer"].pk


def test_a_refused_request_does_not_use_up_its_key(world: World, client_as: Client) -> None:
    client = client_as("student")
    bad = {"assignment": world.a.published.pk, "answers": {"0": {"text": "x"}}}
    refused = client.post("/api/v1/submissions/", bad, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert refused.status_code == 400
    retry = client.post(
        "/api/v1/submissions/",
        {"assignment": world.a.published.pk, "answers": _answers(world)},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k",
    )
    assert retry.status_code == 201


def test_a_student_cannot_submit_for_someone_else(world: World, client_as: Client) -> None:
    peer = world.users["peer"]
    response = _submit(
        client_as("student"),
        world,
        student=peer.pk,
        status="draft",
        attempt=9,
        is_late=True,
        score=100,
        course=world.b.course.pk,
    )
    assert response.status_code == 201
    body = response.json()
    assert body["student"] == world.users["student"].pk
    assert (body["status"], body["is_late"]) == ("submitted", False)
    assert not Submission.objects.filter(student=peer, attempt=9).exists()


def test_teachers_cannot_submit_and_students_cannot_submit_elsewhere(
    world: World, client_as: Client
) -> None:
    assert _submit(client_as("teacher"), world).status_code == 403
    response = client_as("student").post(
        "/api/v1/submissions/",
        {"assignment": world.b.published.pk, "answers": {}},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {"assignment": ["No such assignment."]}
    hidden = client_as("student").post(
        "/api/v1/submissions/",
        {"assignment": world.a.unpublished.pk, "answers": {}},
        format="json",
    )
    assert hidden.status_code == 400


def test_profile_changes_ignore_protected_fields(world: World, client_as: Client) -> None:
    client = client_as("student")
    response = client.patch(
        "/api/v1/users/me/",
        {"display_name": "Sam", "is_staff": True, "email": "x@example.com", "id": 999},
    )
    assert response.status_code == 200
    user = world.users["student"]
    user.refresh_from_db()
    assert (user.display_name, user.is_staff, user.email) == ("Sam", False, "student@example.com")
    bad = client.patch("/api/v1/users/me/", {"time_zone": "Mars/Olympus"})
    assert bad.status_code == 400
    assert set(bad.json()["error"]["fields"]) == {"time_zone"}


def test_token_fields_the_caller_may_not_set_are_ignored(world: World) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(world.users["student"])
    response = client.post(
        "/api/v1/tokens/",
        {
            "name": "t",
            "scope": "read",
            "user": world.users["teacher"].pk,
            "prefix": "chosen",
            "key_hash": "0" * 64,
            "revoked_at": "2020-01-01T00:00:00Z",
        },
    )
    assert response.status_code == 201
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.user == world.users["student"]
    assert token.prefix != "chosen"
    assert token.key_hash != "0" * 64
    assert token.revoked_at is None


def test_model_writes_ignore_protected_fields(world: World, client_as: Client) -> None:
    client = client_as("teacher")
    model = world.a.scoring_model
    response = client.patch(
        f"/api/v1/scoring-models/{model.pk}/",
        {"question": world.b.text_question.pk, "retrain_threshold": 5},
    )
    assert response.status_code == 200
    model = ScoringModel.objects.get(pk=model.pk)
    assert (model.question_id, model.retrain_threshold) == (world.a.text_question.pk, 5)
    world.a.run.status = TrainingRun.Status.FAILED
    world.a.run.save()
    started = client.post(
        "/api/v1/training-runs/",
        {"scoring_model": model.pk, "status": "succeeded", "promoted": True, "progress": 100},
    )
    assert started.status_code == 201
    run = TrainingRun.objects.get(pk=started.json()["id"])
    assert (run.status, run.promoted, run.progress) == ("queued", False, 0)
    bad = client.patch(f"/api/v1/scoring-models/{model.pk}/", {"family": "nonsense"})
    assert bad.status_code == 400


def test_grade_points_are_checked_by_the_service(world: World, client_as: Client) -> None:
    answer = world.work["student"].answer
    response = client_as("teacher").post(
        "/api/v1/grades/", {"answer": answer.pk, "points": "1000", "comment": "Good"}
    )
    assert response.status_code == 400
    response = client_as("teacher").post(
        "/api/v1/grades/", {"answer": answer.pk, "points": "1.5", "comment": "Good"}
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["points"], body["comment"]) == ("draft", "1.50", "Good")
