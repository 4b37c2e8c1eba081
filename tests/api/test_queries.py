"""Every list endpoint costs the same number of queries however many rows it returns."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms.api.services import token_create
from lms.courses.models import Enrollment
from mlcore.models import ModelVersion, TrainingRun
from tests.api.conftest import Client
from tests.api.world import CourseRows, World, course_rows, student_work
from tests.factories import CriterionFactory, EnrollmentFactory, LevelFactory, UserFactory

pytestmark = pytest.mark.django_db

LISTS = (
    "courses",
    "enrollments",
    "skills",
    "assignments",
    "questions",
    "submissions",
    "answers",
    "grades",
    "predictions",
    "scoring-models",
    "training-runs",
    "model-versions",
    "tokens",
)


def _rubric(rows: CourseRows) -> None:
    criterion = CriterionFactory(question=rows.text_question)
    LevelFactory(criterion=criterion)
    LevelFactory(criterion=criterion)
    rows.text_question.skills.add(rows.skill)


def _grow(world: World, n: int) -> None:
    """n more of every row the teacher and the student can list."""
    course = world.a.course
    for i in range(n):
        rows = course_rows(course)
        _rubric(rows)
        learner = UserFactory()
        EnrollmentFactory(user=learner, course=course, role=Enrollment.Role.STUDENT)
        student_work(rows, learner, rows.version)
        student_work(rows, world.users["student"], rows.version)
        run = TrainingRun.objects.create(
            scoring_model=world.a.scoring_model, family="mlp", loss="mse", queue="ml_cpu"
        )
        run.status = TrainingRun.Status.FAILED
        run.save()
        ModelVersion.objects.create(
            scoring_model=world.a.scoring_model, number=10 + i, family="mlp", sha256="0"
        )
        for user in world.users.values():
            token_create(user=user, name=f"t{i}", scope="read")


def _counts(client: Any) -> dict[str, tuple[int, int]]:
    counts = {}
    for endpoint in LISTS:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/api/v1/{endpoint}/", {"per_page": 100})
        assert response.status_code == 200, endpoint
        counts[endpoint] = (len(queries), len(response.json()))
    return counts


@pytest.mark.parametrize("role", ["teacher", "student"])
def test_list_queries_do_not_grow_with_rows(world: World, client_as: Client, role: str) -> None:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_login(world.users[role])  # a session, so `tokens` lists too
    # One of each at the small size too: an empty page or prefetch skips its query.
    _rubric(world.a)
    token_create(user=world.users[role], name="first", scope="read")
    small = _counts(client)
    _grow(world, 4)
    large = _counts(client)
    for endpoint in LISTS:
        (queries_small, rows_small), (queries_large, rows_large) = small[endpoint], large[endpoint]
        assert queries_large == queries_small, (endpoint, small[endpoint], large[endpoint])
        grows = endpoint not in ("courses", "training-runs", "model-versions", "enrollments")
        graders_only = endpoint in ("predictions", "scoring-models")
        if grows and (role == "teacher" or not graders_only):
            assert rows_large > rows_small, endpoint
