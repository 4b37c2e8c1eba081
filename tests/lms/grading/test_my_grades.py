"""My grades: a student's own released grades, per course, and nothing else."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.models import User
from lms.assignments.models import Assignment
from lms.courses.models import Course, Enrollment
from lms.grading.models import Grade, GradeState
from lms.grading.services import grade_release, grade_set, grade_suggest
from tests.factories import (
    AnswerFactory,
    AssignmentFactory,
    CategoryFactory,
    CourseFactory,
    EnrollmentFactory,
    QuestionFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _assignment(course: Course, title: str, **fields: Any) -> Assignment:
    """A published assignment of one 10-point question."""
    assignment = AssignmentFactory(course=course, title=title, **fields)
    QuestionFactory(assignment=assignment, points=Decimal(10))
    return assignment


def _graded(
    assignment: Assignment,
    student: User,
    teacher: User,
    points: int,
    state: str,
    comment: str = "",
    **submission: Any,
) -> Grade:
    """The student's submitted answer, graded `points` and left in `state`."""
    answer = AnswerFactory(
        submission=SubmissionFactory(assignment=assignment, student=student, **submission),
        question=assignment.questions.get(),
    )
    if state == GradeState.SUGGESTED:
        suggestion = grade_suggest(answer=answer, points=Decimal(points), comment=comment)
        assert suggestion is not None
        return suggestion
    grade = grade_set(actor=teacher, answer=answer, points=Decimal(points), comment=comment)
    return grade_release(actor=teacher, grade=grade) if state == GradeState.RELEASED else grade


def _student(course: Course) -> User:
    user = UserFactory()
    EnrollmentFactory(user=user, course=course, role=Enrollment.Role.STUDENT)
    return user


def _page(client: Client, user: User, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_student_sees_only_their_own_released_grades(
    client: Client, course: Course, teacher: User, student: User
) -> None:
    classmate = _student(course)
    quiz = _assignment(course, "Cells quiz")
    lab = _assignment(course, "Lab report")
    essay = _assignment(course, "Essay")
    _graded(quiz, student, teacher, 7, GradeState.RELEASED, "Clear diagram, Sam.")
    _graded(quiz, classmate, teacher, 9, GradeState.RELEASED, "Superb, Olivia.")
    _graded(lab, student, teacher, 6, GradeState.DRAFT, "Half-written note")
    _graded(essay, student, teacher, 5, GradeState.SUGGESTED, "The model's guess")

    client.force_login(student)
    response = client.get(reverse("my_grades:list"))
    page = response.content.decode()
    assert "7.00 / 10.00" in page
    assert "Clear diagram, Sam." in page
    for hidden in ("6.00 / 10.00", "5.00 / 10.00", "9.00 / 10.00", "Superb, Olivia."):
        assert hidden not in page, hidden
    for hidden in ("Half-written note", "The model's guess"):
        assert hidden not in page, hidden
    [grades] = response.context["courses"]
    assert {item.assignment.title: item.score for item in grades.assignments} == {
        "Cells quiz": Decimal("7.00"),
        "Lab report": None,
        "Essay": None,
    }
    assert grades.total_percent == Decimal("70.00")

    theirs = _page(client, classmate, reverse("my_grades:course", args=[course.pk]))
    assert "9.00 / 10.00" in theirs
    assert "Superb, Olivia." in theirs
    assert "7.00 / 10.00" not in theirs
    assert "Clear diagram, Sam." not in theirs


def test_a_partly_released_attempt_shows_only_its_released_part(
    client: Client, course: Course, teacher: User, student: User
) -> None:
    test = _assignment(course, "Two-part test")
    first = _graded(test, student, teacher, 7, GradeState.RELEASED, "Part one is right.")
    part_two = QuestionFactory(assignment=test, points=Decimal(10))
    second = AnswerFactory(submission=first.answer.submission, question=part_two)
    grade_set(actor=teacher, answer=second, points=Decimal(2), comment="Part two: not yet.")
    page = _page(client, student, reverse("my_grades:list"))
    assert "Part one is right." in page
    assert "Some answers are not graded yet." in page
    assert "Part two: not yet." not in page
    assert "7.00 / 20.00" in page
    assert "9.00 / 20.00" not in page


def test_a_late_penalty_is_explained(
    client: Client, course: Course, teacher: User, student: User
) -> None:
    quiz = _assignment(
        course, "Cells quiz", late_deduction_percent=Decimal(25), late_interval="day"
    )
    _graded(quiz, student, teacher, 8, GradeState.RELEASED, is_late=True, minutes_late=90)
    page = _page(client, student, reverse("my_grades:list"))
    assert "5.50 / 10.00" in page
    assert "Before the late penalty: 8.00." in page
    assert (
        "Submitted 1 hour 30 minutes late (1 day started, at 25% of the 10.00 points each): "
        "2.50 points deducted."
    ) in page


def test_a_course_the_user_is_not_a_student_of_is_not_found(
    client: Client, course: Course, teacher: User, student: User, outsider: User
) -> None:
    elsewhere = outsider.enrollments.get().course
    client.force_login(student)
    assert client.get(reverse("my_grades:course", args=[course.pk])).status_code == 200
    assert client.get(reverse("my_grades:course", args=[elsewhere.pk])).status_code == 404
    assert client.get(reverse("my_grades:course", args=[elsewhere.pk + 1000])).status_code == 404
    client.force_login(teacher)  # teaches it, is not a student of it
    assert client.get(reverse("my_grades:course", args=[course.pk])).status_code == 404
    assert elsewhere.title not in _page(client, student, reverse("my_grades:list"))


def test_anonymous_users_are_sent_to_log_in(client: Client, course: Course) -> None:
    login = reverse("accounts:login")
    for url in (reverse("my_grades:list"), reverse("my_grades:course", args=[course.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(login)


def _enrolled_with_grades(teacher: User, courses: int, assignments: int) -> User:
    """A student of `courses` courses, each with categories and `assignments` graded pieces of
    work: released with a comment, a second late attempt, a draft."""
    student = UserFactory()
    for c in range(courses):
        course = CourseFactory()
        EnrollmentFactory(user=teacher, course=course, role=Enrollment.Role.TEACHER)
        EnrollmentFactory(user=student, course=course, role=Enrollment.Role.STUDENT)
        category = CategoryFactory(course=course, weight=Decimal(60))
        CategoryFactory(course=course, weight=Decimal(40))
        for a in range(assignments):
            work = _assignment(course, f"Work {c}.{a}", category=category)
            _graded(work, student, teacher, 7, GradeState.RELEASED, "Well argued.")
            if a:
                _graded(work, student, teacher, 9, GradeState.DRAFT, attempt=2)
                _graded(work, student, teacher, 8, GradeState.RELEASED, attempt=3, is_late=True)
    return student


def test_my_grades_cost_the_same_queries_for_one_course_or_three(
    client: Client, teacher: User
) -> None:
    def queries(student: User, url: str) -> int:
        client.force_login(student)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200
        return len(captured.captured_queries)

    small = _enrolled_with_grades(teacher, courses=1, assignments=1)
    large = _enrolled_with_grades(teacher, courses=3, assignments=4)
    assert queries(small, reverse("my_grades:list")) == queries(large, reverse("my_grades:list"))
    small_course = small.enrollments.get().course_id
    large_course = large.enrollments.order_by("pk").last().course_id  # type: ignore[union-attr]
    assert queries(small, reverse("my_grades:course", args=[small_course])) == queries(
        large, reverse("my_grades:course", args=[large_course])
    )
