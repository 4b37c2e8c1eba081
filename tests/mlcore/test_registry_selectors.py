"""The model page's reads: what it holds, and a query count that does not grow with rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from lms.accounts.models import User
from lms.courses.models import Course
from mlcore.models import ModelVersion, TrainingRun
from mlcore.selectors.registry import model_page
from mlcore.services.registry import scoring_model_for
from tests.mlcore.training_helpers import add_version, graded_question, text_question


def test_a_question_never_scored_has_an_unsaved_model_with_the_defaults(
    course: Course, settings: Any
) -> None:
    settings.AULA_RETRAIN_THRESHOLD = 9
    page = model_page(question=text_question(course))
    assert page.scoring_model.pk is None
    assert page.scoring_model.retrain_threshold == 9
    assert (page.runs, page.versions, page.active, page.in_flight) == ([], [], None, None)
    assert not page.can_train


def test_the_page_shows_runs_versions_the_active_and_the_broken_ones(
    course: Course, teacher: User
) -> None:
    question = graded_question(course, teacher, 9)
    add_version(question, 1, status=ModelVersion.Status.BROKEN)
    active = add_version(question, 2, active=True)
    running = TrainingRun.objects.create(
        scoring_model=scoring_model_for(question),
        status="running",
        family="mlp",
        loss="mse",
        queue="ml_cpu",
        progress=40,
        loss_curve=[{"family": "mlp", "epoch": 1, "train_loss": 0.5}],
    )
    page = model_page(question=question)
    assert page.in_flight == running
    assert page.active == active
    assert [v.number for v in page.broken] == [1]
    assert [v.number for v in page.versions] == [2, 1]
    assert page.runs[0] == running
    assert (page.teacher_grades, page.new_grades, page.can_train) == (9, 0, True)


@pytest.mark.parametrize("size", [1, 8])
def test_query_count_does_not_grow_with_runs_and_versions(
    course: Course,
    teacher: User,
    size: int,
    django_assert_max_num_queries: Callable[..., Any],
) -> None:
    question = graded_question(course, teacher, 3)
    for number in range(1, size + 1):
        add_version(question, number, active=number == size)
    with django_assert_max_num_queries(5):
        page = model_page(question=question)
        assert len(page.versions) == len(page.runs) == size
        for run in page.runs:
            assert run.started_by is None
            assert run.version.number >= 1
        for version in page.versions:
            assert version.run is not None
        assert page.active is not None
