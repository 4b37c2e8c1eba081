"""The submission page: who may open it, released grades and the late penalty in words."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lms.accounts.models import User
from lms.assignments.models import Question, Submission
from lms.assignments.services import assignment_update, submission_submit
from lms.courses.models import Course, Enrollment
from lms.grading.services import assignment_grades_release, grade_set
from tests.factories import EnrollmentFactory, QuestionFactory, UserFactory
from tests.lms.quiz import DUE, Quiz, make_quiz

pytestmark = pytest.mark.django_db

ESSAY_COMMENT = "Good start: now say where in the cell it happens."


def submission_url(submission: Submission) -> str:
    return reverse("assignments:submission", args=[submission.pk])


@pytest.fixture
def late_attempt(quiz: Quiz, student: User, teacher: User) -> Submission:
    """Every answer right but the essay (3 of 4 from the teacher), 1 day 2 hours late, with
    10% off per day started, down to 50% at most."""
    assignment_update(
        actor=teacher,
        assignment=quiz.assignment,
        late_deduction_percent=Decimal(10),
        late_minimum_percent=Decimal(50),
    )
    submission = submission_submit(
        student=student,
        assignment=quiz.assignment,
        answers=quiz.right_answers(),
        now=DUE + timedelta(days=1, hours=2),
    )
    essay = submission.answers.get(question=quiz.essay)
    grade_set(actor=teacher, answer=essay, points=Decimal(3), comment=ESSAY_COMMENT)
    return submission


def html_of(client: Client, user: User, submission: Submission) -> str:
    client.force_login(user)
    response = client.get(submission_url(submission))
    assert response.status_code == 200
    return response.content.decode()


def test_the_student_sees_nothing_of_unreleased_grades(
    client: Client, late_attempt: Submission, student: User
) -> None:
    html = html_of(client, student, late_attempt)
    assert "Not released yet." in html
    assert ESSAY_COMMENT not in html
    assert "3.00</strong> of 4.00" not in html
    assert "Plants turn light into sugar." in html  # their own answer
    assert "Submitted 1 day 2 hours late" in html


def test_the_released_grade_with_the_late_penalty_explained(
    client: Client, late_attempt: Submission, student: User, teacher: User, quiz: Quiz
) -> None:
    assignment_grades_release(actor=teacher, assignment=quiz.assignment)
    html = html_of(client, student, late_attempt)
    # 10 of 11 points; 2 days started x 10% of 11 points = 2.20 off.
    assert "<strong>7.80</strong> of 11.00 points" in html
    assert "10.00 points before the late penalty of 2.20." in html
    assert (
        "Submitted 1 day 2 hours late (2 days started, at 10% of the 11.00 points each): "
        "2.20 points deducted."
    ) in html
    assert ESSAY_COMMENT in html
    assert "Comment from your teacher" in html


def test_a_deduction_stopped_by_the_minimum_is_explained(
    client: Client, quiz: Quiz, student: User, teacher: User
) -> None:
    assignment_update(
        actor=teacher,
        assignment=quiz.assignment,
        late_deduction_percent=Decimal(40),
        late_minimum_percent=Decimal(50),
    )
    submission = submission_submit(
        student=student,
        assignment=quiz.assignment,
        answers=quiz.right_answers(),
        now=DUE + timedelta(days=1, hours=2),
    )
    assignment_grades_release(actor=teacher, assignment=quiz.assignment)
    html = html_of(client, student, submission)
    # 7 points; 2 x 40% of 11 = 8.80 would leave nothing, but the floor is 5.50.
    assert "1.50 points deducted (not 8.80: a late deduction never takes a score below 50%" in html


def test_the_teacher_sees_every_decision_labelled(
    client: Client, late_attempt: Submission, teacher: User
) -> None:
    html = html_of(client, teacher, late_attempt)
    assert "Sam Student" in html
    assert "Draft, by teacher" in html
    assert "Draft, by rule" in html
    assert ESSAY_COMMENT in html


@pytest.mark.parametrize("who", ["other_student", "outsider", "ta_elsewhere"])
def test_others_cannot_open_a_submission(
    client: Client, late_attempt: Submission, course: Course, outsider: User, who: str
) -> None:
    if who == "other_student":
        user = UserFactory()
        EnrollmentFactory(user=user, course=course, role=Enrollment.Role.STUDENT)
    elif who == "ta_elsewhere":
        user = UserFactory()
        EnrollmentFactory(user=user, role=Enrollment.Role.TA)
    else:
        user = outsider
    client.force_login(user)
    assert client.get(submission_url(late_attempt)).status_code == 404
    feedback = reverse("assignments:submission_feedback", args=[late_attempt.pk])
    assert client.get(feedback).status_code == 404


def test_a_ta_of_the_course_can_open_it(
    client: Client, late_attempt: Submission, course: Course
) -> None:
    ta = UserFactory()
    EnrollmentFactory(user=ta, course=course, role=Enrollment.Role.TA)
    assert "Grade so far" in html_of(client, ta, late_attempt)


def test_a_draft_has_no_submission_page(client: Client, quiz: Quiz, student: User) -> None:
    draft = Submission.objects.create(
        assignment=quiz.assignment, student=student, attempt=1, started_at=DUE
    )
    client.force_login(student)
    assert client.get(submission_url(draft)).status_code == 404


def _grow(quiz: Quiz, extra: int) -> None:
    for index in range(extra):
        kind = (Question.Kind.ESSAY, Question.Kind.MULTIPLE_CHOICE)[index % 2]
        question = QuestionFactory(assignment=quiz.assignment, kind=kind, position=100 + index)
        if kind == Question.Kind.MULTIPLE_CHOICE:
            question.choices.create(text="yes", is_correct=True)
            question.choices.create(text="no")


def _answers(quiz: Quiz) -> dict[int | str, Any]:
    answers: dict[int | str, Any] = dict(quiz.right_answers())
    for question in quiz.assignment.questions.prefetch_related("choices"):
        if question.kind == Question.Kind.ESSAY:
            answers[question.pk] = {"text": "An answer."}
        elif question.kind == Question.Kind.MULTIPLE_CHOICE and question.pk not in answers:
            answers[question.pk] = {"choice_ids": [c.pk for c in question.choices.all()]}
    return answers


def test_query_counts_do_not_grow_with_the_answers(
    client: Client, teacher: User, course: Course, django_assert_max_num_queries: Any
) -> None:
    counts = []
    for extra in (0, 20):
        quiz = make_quiz(teacher, course)
        _grow(quiz, extra)
        student = UserFactory()
        EnrollmentFactory(user=student, course=course, role=Enrollment.Role.STUDENT)
        submission = submission_submit(
            student=student, assignment=quiz.assignment, answers=_answers(quiz), now=DUE
        )
        for answer in submission.answers.filter(question__kind=Question.Kind.ESSAY):
            grade_set(actor=teacher, answer=answer, points=Decimal(1), comment="Fine.")
        assignment_grades_release(actor=teacher, assignment=quiz.assignment)
        sizes = []
        for viewer in (student, teacher):
            client.force_login(viewer)
            with django_assert_max_num_queries(40) as page:
                assert client.get(submission_url(submission)).status_code == 200
            sizes.append(len(page.captured_queries))
        counts.append(sizes)
    assert counts[0] == counts[1]
