"""`manage.py seed_demo`: the demo course the issue asks for, built once, the same on a second run.

The content checks run on the plain data (no database, fast); the seed checks build the course in
the test database (several seconds, so they are marked slow).
"""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db.models import Count
from django.utils import timezone

from lms.accounts.models import User
from lms.assignments.models import Answer, Assignment, Question
from lms.core.demo import course as content
from lms.core.demo import people
from lms.core.demo.attempts import retakers
from lms.core.demo.seed import demo_seed
from lms.core.demo.specs import TextAnswer
from lms.courses.models import Course, Enrollment
from lms.grading.models import Grade, GradeEvent, GradeSource, GradeState
from tests.factories import CourseFactory, UserFactory

TEXT_KINDS = {"short_text", "essay"}
ALL_KINDS = set(Question.Kind.values)
POOLED = [q for a in content.ASSIGNMENTS for q in a.questions if q.answers]


def _bands(pool: tuple[TextAnswer, ...], points: int) -> Counter[str]:
    return Counter(
        "zero" if a.score == 0 else "full" if a.score == points else "partial" for a in pool
    )


# --- The content, as written ---------------------------------------------------------------------


def test_content_has_every_question_kind_and_people() -> None:
    kinds = {q.kind for a in content.ASSIGNMENTS for q in a.questions}
    assert kinds == ALL_KINDS
    assert len(content.ASSIGNMENTS) == 3
    assert 5 <= len(content.SKILLS) <= 8
    emails = [s.email for s in people.STUDENTS]
    assert len(set(emails)) == len(emails) == 30
    assert people.TEACHER.email == "teacher@example.com"
    assert any(q.rubric for a in content.ASSIGNMENTS for q in a.questions if q.kind == "essay")


def test_every_text_question_has_reference_answers_and_key_points() -> None:
    text = [q for a in content.ASSIGNMENTS for q in a.questions if q.kind in TEXT_KINDS]
    assert text
    for question in text:
        assert question.reference_answers, question.prompt
        assert question.key_points, question.prompt


def test_three_pools_of_forty_distinct_answers_with_a_useful_spread() -> None:
    assert len(POOLED) >= 3
    for question in POOLED:
        pool = question.answers
        assert len({a.text.strip().lower() for a in pool}) == len(pool) >= 40, question.prompt
        assert all(0 <= a.score <= question.points for a in pool)
        # A model trained on the graded half must see full, partial and zero scores.
        graded = [a for a in pool if a.comment]
        assert 0.4 <= len(graded) / len(pool) <= 0.6
        for band, count in _bands(tuple(graded), question.points).items():
            assert count >= 3, (question.prompt, band)
        assert set(_bands(tuple(graded), question.points)) == {"zero", "partial", "full"}
        assert len({a.score for a in pool}) == question.points + 1  # every score is used


def test_rubric_levels_add_up_to_the_score() -> None:
    for question in POOLED:
        if not question.rubric:
            assert all(not a.levels for a in question.answers)
            continue
        for answer in question.answers:
            assert len(answer.levels) == len(question.rubric)
            for points, criterion in zip(answer.levels, question.rubric, strict=True):
                assert points in {level.points for level in criterion.levels}
            assert sum(answer.levels) == answer.score


def test_plans_fit_the_pools_and_the_attempt_limits() -> None:
    for assignment in content.ASSIGNMENTS:
        if assignment.plan is None:
            assert not any(q.answers for q in assignment.questions)
            continue
        first = [i for i in range(len(people.STUDENTS)) if i not in assignment.plan.absent]
        pools = [q.answers for q in assignment.questions if q.answers]
        second = retakers(first, pools)
        assert len(first) + len(second) == len(pools[0])
        assert assignment.max_attempts is None or assignment.max_attempts >= 2
        # The weakest first attempts come back, so second attempts score better on the whole.
        firsts = [a.score for pool in pools for a in pool[: len(first)]]
        seconds = [a.score for pool in pools for a in pool[len(first) :]]
        assert sum(seconds) / len(seconds) > sum(firsts) / len(firsts)


def test_retakers_refuse_pools_of_different_lengths() -> None:
    answer = TextAnswer("x", 0)
    with pytest.raises(ValueError, match="same number"):
        retakers([0, 1], [(answer,) * 3, (answer,) * 4])


# --- The seed, in the database -------------------------------------------------------------------


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def _dump() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table Django knows (through tables too), every column, by primary key."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
    }


def _check_events(grade: Grade, events: list[GradeEvent]) -> None:
    assert events, grade
    assert events[0].from_state == ""
    for before, after in itertools.pairwise(events):
        assert after.from_state == before.to_state
        assert after.from_points == before.to_points
    assert events[-1].to_state == grade.state
    assert events[-1].to_points == grade.points


def _assert_issue_counts(course: Course) -> None:
    enrollments = Counter(course.enrollments.filter(is_active=True).values_list("role", flat=True))
    assert enrollments == {Enrollment.Role.STUDENT: 30, Enrollment.Role.TEACHER: 1}
    assert set(
        Question.objects.filter(assignment__course=course).values_list("kind", flat=True)
    ) == (ALL_KINDS)
    text = Question.objects.filter(assignment__course=course, kind__in=TEXT_KINDS)
    assert not text.filter(reference_answers=[]).exists()
    assert not text.filter(key_points=[]).exists()
    submitted = Answer.objects.filter(submission__status="submitted", question__in=text)
    distinct = submitted.values("question").annotate(n=Count("text", distinct=True))
    assert sum(1 for row in distinct if row["n"] >= 40) >= 3
    pooled = submitted.filter(question__in=[row["question"] for row in distinct if row["n"] >= 40])
    by_teacher = pooled.filter(grade__source=GradeSource.TEACHER).exclude(grade__comment="")
    assert 0.4 <= by_teacher.count() / pooled.count() <= 0.6


def _assert_the_story(course: Course) -> None:
    now = timezone.now()
    past, homework, project = course.assignments.order_by("position")
    assert past.due_at is not None
    assert homework.opens_at is not None
    assert homework.due_at is not None
    assert project.opens_at is not None
    assert past.due_at < now
    assert past.submissions.filter(is_late=True).exists()
    assert not Grade.objects.filter(
        answer__submission__assignment=past, state=GradeState.DRAFT
    ).exists()
    assert Grade.objects.filter(answer__submission__assignment=past, state="released").exists()
    assert homework.is_published
    assert homework.opens_at < now < homework.due_at
    homework_grades = Grade.objects.filter(answer__submission__assignment=homework)
    assert not homework_grades.filter(state=GradeState.RELEASED).exists()
    assert homework_grades.filter(source=GradeSource.TEACHER, state=GradeState.DRAFT).exists()
    assert not project.is_published
    assert project.opens_at > now
    assert Assignment.objects.filter(course=course).count() == 3


@pytest.mark.slow
@pytest.mark.django_db
def test_seed_demo_builds_the_course_once_and_a_second_run_changes_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AULA_DEMO_PASSWORD", raising=False)
    out = _seed()
    assert "teacher@example.com" in out
    assert people.STUDENTS[0].email in out
    assert people.DEFAULT_PASSWORD in out
    assert "local" in out
    course = Course.objects.get(code=content.CODE, term=content.TERM)
    assert User.objects.get(email="teacher@example.com").check_password(people.DEFAULT_PASSWORD)
    _assert_issue_counts(course)
    _assert_the_story(course)
    events: dict[int, list[GradeEvent]] = {}
    for event in GradeEvent.objects.order_by("grade", "created_at", "id"):
        events.setdefault(event.grade_id, []).append(event)
    for grade in Grade.objects.all():
        _check_events(grade, events.get(grade.id, []))

    before = _dump()
    again = _seed()
    assert "already there" in again
    assert "nothing was written" in again
    assert _dump() == before


@pytest.mark.slow
@pytest.mark.django_db
def test_seed_demo_reset_replaces_the_course_and_its_accounts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A stale demo course and teacher account, as an earlier version of the demo might leave.
    stale = CourseFactory(code=content.CODE, term=content.TERM, title="Old demo")
    UserFactory(email="teacher@example.com")
    outsider = UserFactory(email="someone@example.org")
    assert "already there" in _seed()
    assert Course.objects.get(code=content.CODE).title == "Old demo"

    monkeypatch.setenv("AULA_DEMO_PASSWORD", "another-demo-password")
    out = _seed("--reset")
    assert "another-demo-password" in out
    course = Course.objects.get(code=content.CODE, term=content.TERM)
    assert course.pk != stale.pk
    assert course.title == content.TITLE
    assert User.objects.get(email="teacher@example.com").check_password("another-demo-password")
    assert User.objects.filter(pk=outsider.pk).exists()
    _assert_issue_counts(course)


@pytest.mark.slow
@pytest.mark.django_db
def test_the_demo_makes_the_same_answers_in_the_same_order_at_any_hour() -> None:
    """Answer ids decide which teacher grades a training run holds out (a hash of the id), so a
    build at another hour, when the open homework's attempts get other times, must still make
    every answer in the same order; tests/integration/test_feedback_loop.py relies on it."""
    orders = []
    for now in (datetime(2026, 3, 2, 9, 5, tzinfo=UTC), datetime(2026, 11, 19, 23, 50, tzinfo=UTC)):
        demo_seed(password="demo-order", reset=True, now=now)
        rows = Answer.objects.order_by("pk").values_list(
            "submission__assignment__title",
            "submission__student__email",
            "submission__attempt",
            "question__position",
            "text",
        )
        orders.append(list(rows))
    assert len(orders[0]) > 100
    assert orders[0] == orders[1]


@pytest.mark.django_db
def test_seed_demo_refuses_demo_accounts_left_without_the_course() -> None:
    UserFactory(email=people.STUDENTS[3].email)
    with pytest.raises(CommandError, match="--reset"):
        _seed()
    assert not Course.objects.exists()
    assert User.objects.count() == 1
