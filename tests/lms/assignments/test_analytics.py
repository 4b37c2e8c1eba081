"""Assignment analytics: the figures against hand computations, which attempt counts, what is
left out (suggestions, non-students), who may see the page, and a query count independent of
the number of students."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from lms.accounts.models import User
from lms.assignments.analytics import assignment_analytics
from lms.assignments.models import Assignment, Question, Submission
from lms.courses.models import Course, Enrollment
from lms.grading.models import Grade, GradeSource, GradeState
from mlcore.models import Prediction
from tests.factories import (
    DEFAULT_PASSWORD,
    AnswerFactory,
    AssignmentFactory,
    EnrollmentFactory,
    QuestionFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _grade(submission: Submission, question: Question, points: str, state: str) -> Grade:
    answer = AnswerFactory(submission=submission, question=question)
    return Grade.objects.create(
        answer=answer,
        state=state,
        points=Decimal(points),
        source=GradeSource.MODEL if state == GradeState.SUGGESTED else GradeSource.TEACHER,
        released_at=timezone.now() if state == GradeState.RELEASED else None,
    )


def _student(course: Course) -> User:
    user = UserFactory()
    EnrollmentFactory(user=user, course=course, role=Enrollment.Role.STUDENT)
    return user


def _quiz(course: Course) -> tuple[Assignment, Question, Question]:
    assignment = AssignmentFactory(course=course)
    q1 = QuestionFactory(assignment=assignment, position=1, points=Decimal(4))
    q2 = QuestionFactory(
        assignment=assignment, position=2, points=Decimal(6), kind=Question.Kind.NUMERIC
    )
    return assignment, q1, q2


def test_figures_match_hand_computation(course: Course) -> None:
    assignment, q1, q2 = _quiz(course)
    scores = [("4", "6"), ("2", "3"), ("0", "1"), ("3", "6")]
    for a, b in scores:
        submission = SubmissionFactory(assignment=assignment, student=_student(course))
        _grade(submission, q1, a, GradeState.RELEASED)
        _grade(submission, q2, b, GradeState.DRAFT)
    # Partly graded (q2 only suggested): submitted, not fully graded, q1 still counts.
    partial = SubmissionFactory(assignment=assignment, student=_student(course))
    _grade(partial, q1, "1", GradeState.DRAFT)
    _grade(partial, q2, "6", GradeState.SUGGESTED)
    _student(course)  # enrolled, never submitted

    stats = assignment_analytics(assignment=assignment)

    assert (stats.students, stats.submitted, stats.fully_graded) == (6, 5, 4)
    percents = [100 * (int(a) + int(b)) / 10 for a, b in scores]  # 100, 50, 10, 90
    assert stats.mean_percent == pytest.approx(sum(percents) / 4)
    assert stats.median_percent == pytest.approx(70.0)
    counts = {b.label: b.count for b in stats.histogram.bins}
    assert counts["90-100%"] == 2
    assert counts["50-60%"] == 1
    assert counts["10-20%"] == 1
    assert sum(counts.values()) == 4
    first, second = stats.questions
    assert first.graded == 5
    assert first.mean_points == Decimal("2.00")
    assert first.facility == pytest.approx(0.5)
    assert second.graded == 4
    assert second.facility == pytest.approx(16 / 4 / 6)

    def pearson(xs: list[float], ys: list[float]) -> float:
        mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
        sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
        return sxy / math.sqrt(sum((x - mx) ** 2 for x in xs) * sum((y - my) ** 2 for y in ys))

    item = [float(a) for a, _ in scores]
    rest = [float(b) for _, b in scores]
    assert first.discrimination == pytest.approx(pearson(item, rest))
    assert second.discrimination == pytest.approx(pearson(rest, item))
    assert second.agreement is None  # numeric: not AI-scored


def test_the_counted_attempt_is_the_gradebooks(course: Course) -> None:
    assignment, q1, q2 = _quiz(course)
    student = _student(course)
    best = SubmissionFactory(assignment=assignment, student=student, attempt=1)
    _grade(best, q1, "4", GradeState.DRAFT)
    _grade(best, q2, "6", GradeState.DRAFT)
    latest = SubmissionFactory(assignment=assignment, student=student, attempt=2)
    _grade(latest, q1, "1", GradeState.DRAFT)
    _grade(latest, q2, "0", GradeState.DRAFT)

    assignment.attempt_scoring = Assignment.AttemptScoring.LATEST
    assignment.save()
    assert assignment_analytics(assignment=assignment).mean_percent == pytest.approx(10.0)
    assignment.attempt_scoring = Assignment.AttemptScoring.HIGHEST
    assignment.save()
    assert assignment_analytics(assignment=assignment).mean_percent == pytest.approx(100.0)


def test_a_negative_discrimination_is_flagged(course: Course) -> None:
    assignment, q1, q2 = _quiz(course)
    for a, b in [("4", "0"), ("0", "6"), ("1", "5"), ("3", "1")]:
        submission = SubmissionFactory(assignment=assignment, student=_student(course))
        _grade(submission, q1, a, GradeState.DRAFT)
        _grade(submission, q2, b, GradeState.DRAFT)
    first = assignment_analytics(assignment=assignment).questions[0]
    assert first.discrimination is not None
    assert first.discrimination < 0
    assert "check the key" in first.discrimination_note


def test_ai_agreement_of_text_questions(course: Course) -> None:
    assignment, q1, _ = _quiz(course)
    for teacher_points, model_points in [("4", "4"), ("2", "3"), ("0", "0")]:
        submission = SubmissionFactory(assignment=assignment, student=_student(course))
        answer = AnswerFactory(submission=submission, question=q1)
        Prediction.objects.create(
            answer=answer,
            version=None,
            kind=Prediction.Kind.SIMILARITY,
            score=Decimal(model_points),
            low=Decimal(0),
            high=Decimal(4),
            confidence=0.5,
            input_hash="x",
        )
        Grade.objects.create(
            answer=answer, state=GradeState.DRAFT, points=teacher_points, source=GradeSource.TEACHER
        )
    agreement = assignment_analytics(assignment=assignment).questions[0].agreement
    assert agreement is not None
    assert agreement.n == 3
    assert agreement.exact == pytest.approx(2 / 3)
    assert agreement.within_one == pytest.approx(1.0)


def _client(user: User) -> Client:
    client = Client()
    assert client.login(email=user.email, password=DEFAULT_PASSWORD)
    return client


def test_only_the_courses_graders_see_the_page(
    course: Course, teacher: User, student: User, outsider: User
) -> None:
    assignment, q1, q2 = _quiz(course)
    submission = SubmissionFactory(assignment=assignment, student=student)
    _grade(submission, q1, "3", GradeState.DRAFT)
    _grade(submission, q2, "6", GradeState.DRAFT)
    url = f"/assignments/{assignment.pk}/analytics/"
    ta = UserFactory()
    EnrollmentFactory(user=ta, course=course, role=Enrollment.Role.TA)
    detail = f"/assignments/{assignment.pk}/"
    for grader in (teacher, ta):
        assert f'href="{url}"' in _client(grader).get(detail).content.decode()
        response = _client(grader).get(url)
        assert response.status_code == 200
        body = response.content.decode()
        assert "Score distribution" in body
        assert "90%" in body
    assert _client(student).get(url).status_code == 404
    assert f'href="{url}"' not in _client(student).get(detail).content.decode()
    other_teacher = UserFactory()
    EnrollmentFactory(user=other_teacher, role=Enrollment.Role.TEACHER)
    assert _client(other_teacher).get(url).status_code == 404
    assert _client(outsider).get(url).status_code == 404
    assert Client().get(url).status_code == 302  # to the log-in page


def _fill(assignment: Assignment, questions: list[Question], course: Course, n: int) -> None:
    for i in range(n):
        submission = SubmissionFactory(assignment=assignment, student=_student(course))
        for question in questions:
            _grade(submission, question, str(i % 3), GradeState.DRAFT)


def test_queries_do_not_grow_with_students(course: Course, teacher: User) -> None:
    assignment, q1, q2 = _quiz(course)
    client = _client(teacher)
    url = f"/assignments/{assignment.pk}/analytics/"
    _fill(assignment, [q1, q2], course, 3)
    client.get(url)  # warm: session, content types
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _fill(assignment, [q1, q2], course, 30)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)
