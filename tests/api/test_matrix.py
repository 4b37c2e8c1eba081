"""The authorization matrix: every endpoint, every method, six callers.

Each list must hold exactly the rows its caller may read (no leak, and nothing missing), each
row outside that set is a 404 on its detail URL, every write is refused to those who may not
make it with nothing written, and no body a student gets carries a secret of the world.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Model

from lms.api.models import WebhookDelivery, WebhookEndpoint
from lms.api.webhooks import webhook_endpoint_create
from lms.courses.models import Enrollment
from lms.grading.models import Grade, GradeEvent, GradeState
from mlcore.models import ModelVersion, ScoringModel, TrainingRun
from tests.api.conftest import ROLES, Client
from tests.api.world import ANSWER_KEY, DRAFT_COMMENT, REFERENCE, SIMILAR_TEXT, World

pytestmark = pytest.mark.django_db

GRADERS = ("teacher", "ta")
STUDENTS = ("student", "peer")


def _a_b(world: World, role: str, a: list[Model], b: list[Model]) -> list[Model]:
    if role in GRADERS or role in STUDENTS:
        return a
    return b if role == "other_teacher" else []


def courses(w: World, role: str) -> list[Model]:
    return _a_b(w, role, [w.a.course], [w.b.course])


def enrollments(w: World, role: str) -> list[Model]:
    if role in STUDENTS:
        return list(Enrollment.objects.filter(user=w.users[role]))
    course = w.b.course if role == "other_teacher" else w.a.course
    return list(Enrollment.objects.filter(course=course)) if role != "anonymous" else []


def skills(w: World, role: str) -> list[Model]:
    return _a_b(w, role, [w.a.skill], [w.b.skill])


def assignments(w: World, role: str) -> list[Model]:
    if role in STUDENTS:
        return [w.a.published]
    return _a_b(w, role, [w.a.published, w.a.unpublished], [w.b.published, w.b.unpublished])


def questions(w: World, role: str) -> list[Model]:
    shown = [w.a.text_question, w.a.choice_question]
    if role in STUDENTS:
        return shown
    b = [w.b.text_question, w.b.choice_question, w.b.hidden_question]
    return _a_b(w, role, [*shown, w.a.hidden_question], b)


def _work(w: World, role: str, pick: Callable[[Any], list[Model]]) -> list[Model]:
    if role in STUDENTS:
        return pick(w.work[role])
    both = pick(w.work["student"]) + pick(w.work["peer"])
    return _a_b(w, role, both, pick(w.work["b_student"]))


def submissions(w: World, role: str) -> list[Model]:
    return _work(w, role, lambda x: [x.submission])


def answers(w: World, role: str) -> list[Model]:
    return _work(w, role, lambda x: [x.answer, x.other_answer])


def grades(w: World, role: str) -> list[Model]:
    if role in STUDENTS:
        return [w.work[role].released]  # never the draft
    return _work(w, role, lambda x: [x.released, x.draft])


def _graders_only(w: World, role: str, pick: Callable[[Any], list[Model]]) -> list[Model]:
    return [] if role in STUDENTS else _a_b(w, role, pick(w.a), pick(w.b))


def predictions(w: World, role: str) -> list[Model]:
    if role in STUDENTS:
        return []
    return _work(w, role, lambda x: [x.prediction])


def scoring_models(w: World, role: str) -> list[Model]:
    return _graders_only(w, role, lambda rows: [rows.scoring_model])


def runs(w: World, role: str) -> list[Model]:
    return _graders_only(w, role, lambda rows: [rows.run])


def versions(w: World, role: str) -> list[Model]:
    return _graders_only(w, role, lambda rows: [rows.version])


def _every(w: World, endpoint: str) -> list[Model]:
    """Every row of the endpoint's kind in the world, readable or not."""
    seen: dict[int, Model] = {}
    for role in ROLES:
        for obj in ENDPOINTS[endpoint](w, role):
            seen[obj.pk] = obj
    return list(seen.values())


ENDPOINTS: dict[str, Callable[[World, str], list[Model]]] = {
    "courses": courses,
    "enrollments": enrollments,
    "skills": skills,
    "assignments": assignments,
    "questions": questions,
    "submissions": submissions,
    "answers": answers,
    "grades": grades,
    "predictions": predictions,
    "scoring-models": scoring_models,
    "training-runs": runs,
    "model-versions": versions,
}


@pytest.mark.parametrize("role", ROLES)
def test_lists_and_details_hold_exactly_what_the_role_may_read(
    world: World, client_as: Client, role: str
) -> None:
    client = client_as(role)
    for endpoint, readable in ENDPOINTS.items():
        response = client.get(f"/api/v1/{endpoint}/", {"per_page": 100})
        if role == "anonymous":
            assert response.status_code == 401, endpoint
            assert response["WWW-Authenticate"] == "Bearer"
            continue
        assert response.status_code == 200, (endpoint, response.content)
        expected = sorted(obj.pk for obj in readable(world, role))
        assert sorted(row["id"] for row in response.json()) == expected, (endpoint, role)
        for obj in _every(world, endpoint):
            detail = client.get(f"/api/v1/{endpoint}/{obj.pk}/")
            assert detail.status_code == (200 if obj.pk in expected else 404), (
                endpoint,
                role,
                obj.pk,
            )


@pytest.mark.parametrize("role", ROLES)
def test_read_only_endpoints_refuse_writes(world: World, client_as: Client, role: str) -> None:
    client = client_as(role)
    refused = 401 if role == "anonymous" else 405
    for endpoint in ("courses", "enrollments", "skills", "assignments", "questions", "answers"):
        pk = ENDPOINTS[endpoint](world, "teacher")[0].pk
        assert client.post(f"/api/v1/{endpoint}/", {}).status_code == refused
        for method in ("put", "patch", "delete"):
            response = getattr(client, method)(f"/api/v1/{endpoint}/{pk}/", {})
            assert response.status_code == refused, (endpoint, method)
    for endpoint in ("submissions", "grades", "training-runs", "model-versions"):
        pk = ENDPOINTS[endpoint](world, "teacher")[0].pk
        for method in ("put", "patch", "delete"):
            response = getattr(client, method)(f"/api/v1/{endpoint}/{pk}/", {})
            assert response.status_code == refused, (endpoint, method)


def _expect(role: str, graders: int, students: int, other: int) -> int:
    if role == "anonymous":
        return 401
    if role in GRADERS:
        return graders
    return students if role in STUDENTS else other


@pytest.mark.parametrize("role", ROLES)
def test_grading_writes(world: World, client_as: Client, role: str) -> None:
    client = client_as(role)
    own = world.work["student"]
    events = GradeEvent.objects.count()

    response = client.post(f"/api/v1/grades/{own.released.pk}/retract/")
    # The student reads their released grade but may not change it; the others do not see it.
    assert response.status_code == _expect(role, 200, 403 if role == "student" else 404, 404)
    response = client.post("/api/v1/grades/", {"answer": own.answer.pk, "points": "2"})
    expected = _expect(role, 201, 403 if role == "student" else 400, 400)
    assert response.status_code == expected, response.content
    response = client.post(f"/api/v1/grades/{own.draft.pk}/release/")
    assert response.status_code == _expect(role, 200, 404, 404)

    changed = GradeEvent.objects.count() - events
    assert changed == (3 if role in GRADERS else 0)
    if role not in GRADERS:
        assert Grade.objects.get(pk=own.draft.pk).state == GradeState.DRAFT


@pytest.mark.parametrize("role", ROLES)
def test_model_writes(world: World, client_as: Client, role: str) -> None:
    client = client_as(role)
    a = world.a
    a.run.status = TrainingRun.Status.FAILED
    a.run.save()

    response = client.post("/api/v1/training-runs/", {"scoring_model": a.scoring_model.pk})
    assert response.status_code == _expect(role, 201, 400, 400), response.content
    started = TrainingRun.objects.filter(scoring_model=a.scoring_model).exclude(pk=a.run.pk)
    assert started.exists() == (role in GRADERS)
    if role in GRADERS:
        response = client.post(f"/api/v1/training-runs/{started.get().pk}/cancel/")
        assert response.status_code == 200
        assert response.json()["status"] == TrainingRun.Status.CANCELLED
    response = client.post(f"/api/v1/training-runs/{a.run.pk}/cancel/")
    assert response.status_code == _expect(role, 200, 404, 404)

    response = client.post(f"/api/v1/model-versions/{a.version.pk}/activate/", {"reason": "r"})
    assert response.status_code == _expect(role, 200, 404, 404)
    assert ModelVersion.objects.get(pk=a.version.pk).is_active == (role in GRADERS)

    response = client.patch(f"/api/v1/scoring-models/{a.scoring_model.pk}/", {"family": "rnn"})
    assert response.status_code == _expect(role, 200, 404, 404)
    family = ScoringModel.objects.get(pk=a.scoring_model.pk).family
    assert family == ("rnn" if role in GRADERS else "auto")


@pytest.mark.parametrize("role", ROLES)
def test_gradebook_and_feedback(world: World, client_as: Client, role: str) -> None:
    client = client_as(role)
    course = world.a.course.pk
    response = client.get(f"/api/v1/courses/{course}/gradebook/")
    assert response.status_code == _expect(role, 200, 403, 404)
    if role in GRADERS:
        emails = [row["email"] for row in response.json()["rows"]]
        assert emails == ["peer@example.com", "student@example.com"]
    response = client.get(f"/api/v1/courses/{course}/gradebook/csv/", HTTP_ACCEPT="text/csv")
    assert response.status_code == _expect(role, 200, 403, 404)
    if role in GRADERS:
        assert response["Content-Type"].startswith("text/csv")
        assert "student@example.com" in response.content.decode()

    submission = world.work["student"].submission.pk
    response = client.get(f"/api/v1/submissions/{submission}/feedback/")
    assert response.status_code == _expect(role, 200, 200 if role == "student" else 404, 404)
    if response.status_code == 200:
        body = response.json()
        assert body["audience"] == ("teacher" if role in GRADERS else "student")
        item = body["answers"][0]
        assert item["status"] == "ready"
        if role == "student":
            assert item["confidence"] is None
            assert item["similar"] == []
            assert item["model"] == ""


def _student_bodies(client: Any, world: World) -> str:
    bodies = []
    for endpoint in ENDPOINTS:
        bodies.append(client.get(f"/api/v1/{endpoint}/", {"per_page": 100}).content.decode())
        for obj in _every(world, endpoint):
            bodies.append(client.get(f"/api/v1/{endpoint}/{obj.pk}/").content.decode())
    submission = world.work["student"].submission.pk
    bodies.append(client.get(f"/api/v1/submissions/{submission}/feedback/").content.decode())
    bodies.append(client.get("/api/v1/users/me/").content.decode())
    return "\n".join(bodies)


@pytest.mark.parametrize("role", STUDENTS)
def test_no_secret_reaches_a_student(world: World, client_as: Client, role: str) -> None:
    text = _student_bodies(client_as(role), world)
    other = "peer" if role == "student" else "student"
    for secret in (
        DRAFT_COMMENT,
        ANSWER_KEY,
        REFERENCE,
        SIMILAR_TEXT,
        "HIDDEN-QUESTION-PROMPT",
        "is_correct",
        world.users[other].email,
        world.users["ta"].email,
        "b-student@example.com",
        "CHEM-201",
    ):
        assert secret not in text, secret


def test_graders_see_the_answer_key_students_do_not(world: World, client_as: Client) -> None:
    question = world.a.choice_question
    right = question.choices.get(is_correct=True).pk
    teacher = client_as("teacher").get(f"/api/v1/questions/{question.pk}/").json()
    assert teacher["answer_key"]["correct_choice_ids"] == [right]
    # Decimals are strings, as schema.yml says (schemathesis found bare numbers here).
    assert teacher["answer_key"]["numeric_tolerance"] == "0.000000"
    assert teacher["answer_key"]["numeric_answer"] is None
    student = client_as("student").get(f"/api/v1/questions/{question.pk}/").json()
    assert student["answer_key"] is None
    assert [c["text"] for c in student["choices"]] == ["Right", "Wrong"]


# --- Webhooks: an endpoint and its delivery log are its owner's alone --------------------------

WEBHOOK_OWNERS = {"teacher": "a", "other_teacher": "b"}


@pytest.fixture
def hooks(world: World) -> dict[str, WebhookEndpoint]:
    """One endpoint per course, registered by its teacher, each with a delivery in its log."""
    made = {}
    for role, side in WEBHOOK_OWNERS.items():
        course = world.a.course if side == "a" else world.b.course
        endpoint = webhook_endpoint_create(
            owner=world.users[role],
            url=f"https://hooks.example.com/{side}",
            events=["grade.released"],
            course=course,
        )
        WebhookDelivery.objects.create(
            endpoint=endpoint, event="grade.released", event_key=f"k-{side}", payload={}
        )
        made[side] = endpoint
    return made


def _own_hooks(role: str, hooks: dict[str, WebhookEndpoint]) -> list[WebhookEndpoint]:
    return [hooks[WEBHOOK_OWNERS[role]]] if role in WEBHOOK_OWNERS else []


@pytest.mark.parametrize("role", ROLES)
def test_webhooks_and_deliveries_are_their_owners(
    world: World, client_as: Client, hooks: dict[str, WebhookEndpoint], role: str
) -> None:
    client = client_as(role)
    response = client.get("/api/v1/webhooks/", {"per_page": 100})
    if role == "anonymous":
        assert response.status_code == 401
        for endpoint in hooks.values():
            assert client.get(f"/api/v1/webhooks/{endpoint.pk}/").status_code == 401
            assert client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/").status_code == 401
        return
    own = _own_hooks(role, hooks)
    assert response.status_code == 200
    assert [row["id"] for row in response.json()] == [e.pk for e in own]
    assert "secret" not in response.content.decode()
    for endpoint in hooks.values():
        detail = client.get(f"/api/v1/webhooks/{endpoint.pk}/")
        log = client.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries/")
        if endpoint in own:
            assert detail.status_code == 200
            assert "secret" not in detail.json()
            assert log.status_code == 200
            expected = list(endpoint.deliveries.values_list("pk", flat=True))
            assert [row["id"] for row in log.json()] == expected
        else:
            assert (detail.status_code, log.status_code) == (404, 404), (role, endpoint.url)


@pytest.mark.parametrize("role", ROLES)
def test_webhook_writes(
    world: World, client_as: Client, hooks: dict[str, WebhookEndpoint], role: str
) -> None:
    client = client_as(role)
    before = WebhookEndpoint.objects.count()
    for side, course in (("a", world.a.course), ("b", world.b.course)):
        body = {"course": course.pk, "url": "https://x.example.com/", "events": ["grade.released"]}
        response = client.post("/api/v1/webhooks/", body, format="json")
        # A course's teacher registers; its TA and students are refused; a course the caller is
        # not in does not exist for them (400 on the field, as for any unknown course).
        if role == "anonymous":
            expected = 401
        elif WEBHOOK_OWNERS.get(role) == side:
            expected = 201
        elif role in GRADERS or role in STUDENTS:
            expected = 403 if side == "a" else 400
        else:
            expected = 400
        assert response.status_code == expected, (role, side, response.content)
    made = 1 if role in WEBHOOK_OWNERS else 0
    assert WebhookEndpoint.objects.count() == before + made

    for endpoint in hooks.values():
        for method in ("put", "patch"):
            response = getattr(client, method)(f"/api/v1/webhooks/{endpoint.pk}/", {})
            assert response.status_code == (401 if role == "anonymous" else 405), (role, method)
        response = client.delete(f"/api/v1/webhooks/{endpoint.pk}/")
        mine = endpoint in _own_hooks(role, hooks)
        expected = 401 if role == "anonymous" else (204 if mine else 404)
        assert response.status_code == expected, (role, endpoint.url)
        assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists() == (not mine)
