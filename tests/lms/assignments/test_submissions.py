from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lms.accounts.models import User
from lms.assignments.models import Answer, Submission
from lms.assignments.selectors import attempts_left, submissions_for_student
from lms.assignments.services import (
    assignment_publish,
    assignment_update,
    extension_grant,
    submission_save_draft,
    submission_submit,
)
from lms.courses.models import Course
from lms.grading.models import Grade, GradeEvent, GradeSource, GradeState
from tests.factories import AssignmentFactory, QuestionFactory
from tests.lms.dbstate import db_state
from tests.lms.quiz import DUE, LOCK, ON_TIME, OPENS, Quiz, make_quiz

pytestmark = pytest.mark.django_db


def grades_by_question(submission: Submission) -> dict[int, tuple[str, Decimal, str]]:
    return {
        grade.answer.question_id: (grade.state, grade.points, grade.source)
        for grade in Grade.objects.filter(answer__submission=submission).select_related("answer")
    }


def test_submit_on_time_grades_every_objective_answer(quiz: Quiz, student: User) -> None:
    submission = submission_submit(
        student=student, assignment=quiz.assignment, answers=quiz.right_answers(), now=ON_TIME
    )
    assert (submission.attempt, submission.status) == (1, Submission.Status.SUBMITTED)
    assert (submission.is_late, submission.minutes_late, submission.submitted_at) == (
        False,
        0,
        ON_TIME,
    )
    draft = GradeState.DRAFT
    assert grades_by_question(submission) == {
        quiz.single.id: (draft, Decimal("1.00"), GradeSource.RULE),
        quiz.multiple.id: (draft, Decimal("3.00"), GradeSource.RULE),
        quiz.numeric.id: (draft, Decimal("2.00"), GradeSource.RULE),
        quiz.short.id: (draft, Decimal("1.00"), GradeSource.RULE),
    }  # the essay waits for the teacher (and, with issue 4, the model)
    assert GradeEvent.objects.count() == 4
    assert set(GradeEvent.objects.values_list("from_state", "to_state", "actor")) == {
        ("", GradeState.DRAFT, None)
    }


def test_unmatched_short_text_is_a_suggested_zero(quiz: Quiz, student: User) -> None:
    answers = {quiz.short.id: {"text": "green stuff"}}
    submission = submission_submit(
        student=student, assignment=quiz.assignment, answers=answers, now=ON_TIME
    )
    assert grades_by_question(submission) == {
        quiz.short.id: (GradeState.SUGGESTED, Decimal("0.00"), GradeSource.RULE)
    }


def test_partial_and_wrong_objective_answers(quiz: Quiz, student: User) -> None:
    right = list(quiz.multiple.choices.filter(is_correct=True).values_list("id", flat=True))
    wrong = list(quiz.multiple.choices.filter(is_correct=False).values_list("id", flat=True))
    answers = {
        quiz.single.id: {"choice_ids": [quiz.single.choices.get(text="O2").id]},
        quiz.multiple.id: {"choice_ids": [*right[:2], wrong[0]]},
        quiz.numeric.id: {"number": 9.9},
    }
    submission = submission_submit(
        student=student, assignment=quiz.assignment, answers=answers, now=ON_TIME
    )
    points = {q: p for q, (_, p, _) in grades_by_question(submission).items()}
    assert points == {
        quiz.single.id: Decimal("0.00"),
        quiz.multiple.id: Decimal("1.00"),  # (2 right - 1 wrong) / 3 correct x 3 points
        quiz.numeric.id: Decimal("0.00"),
    }


def test_attempts_are_numbered_and_capped(quiz: Quiz, student: User) -> None:
    first = submission_submit(student=student, assignment=quiz.assignment, answers={}, now=ON_TIME)
    second = submission_submit(student=student, assignment=quiz.assignment, answers={}, now=ON_TIME)
    assert (first.attempt, second.attempt) == (1, 2)
    assert attempts_left(quiz.assignment, student) == 0
    before = db_state()
    with pytest.raises(ValidationError, match="used all 2 attempts"):
        submission_submit(student=student, assignment=quiz.assignment, answers={}, now=ON_TIME)
    with pytest.raises(ValidationError, match="used all 2 attempts"):
        submission_save_draft(student=student, assignment=quiz.assignment, answers={}, now=ON_TIME)
    assert db_state() == before


def test_unlimited_attempts(teacher: User, course: Course, student: User) -> None:
    quiz = make_quiz(teacher, course, max_attempts=None)
    for expected in (1, 2, 3, 4):
        submission = submission_submit(
            student=student, assignment=quiz.assignment, answers={}, now=ON_TIME
        )
        assert submission.attempt == expected
    assert attempts_left(quiz.assignment, student) is None


def test_the_draft_in_progress_becomes_the_submitted_attempt(quiz: Quiz, student: User) -> None:
    answers = quiz.right_answers()
    draft = submission_save_draft(
        student=student,
        assignment=quiz.assignment,
        answers={quiz.essay.id: answers[quiz.essay.id], quiz.short.id: {"text": "chlorofil"}},
        now=ON_TIME - timedelta(hours=2),
    )
    again = submission_save_draft(
        student=student,
        assignment=quiz.assignment,
        answers={quiz.numeric.id: {"number": "9.8"}},
        now=ON_TIME - timedelta(hours=1),
    )
    assert again.pk == draft.pk
    assert not Grade.objects.exists()  # drafts are not graded
    submitted = submission_submit(
        student=student,
        assignment=quiz.assignment,
        answers={quiz.short.id: answers[quiz.short.id]},
        now=ON_TIME,
    )
    assert submitted.pk == draft.pk
    assert (submitted.attempt, submitted.started_at) == (1, ON_TIME - timedelta(hours=2))
    texts = dict(Answer.objects.filter(submission=submitted).values_list("question_id", "text"))
    assert texts[quiz.essay.id] == answers[quiz.essay.id]["text"]  # kept from the draft
    assert texts[quiz.short.id] == "  Chlorophyll "  # replaced at submission
    assert Submission.objects.count() == 1


def test_late_submission_records_minutes_late(quiz: Quiz, student: User) -> None:
    submission = submission_submit(
        student=student,
        assignment=quiz.assignment,
        answers={},
        now=DUE + timedelta(hours=2, seconds=30),
    )
    assert (submission.is_late, submission.minutes_late) == (True, 121)


def test_extension_due_time_decides_lateness(quiz: Quiz, teacher: User, student: User) -> None:
    extension_grant(
        actor=teacher, assignment=quiz.assignment, student=student, due_at=DUE + timedelta(days=2)
    )
    on_time = submission_submit(
        student=student, assignment=quiz.assignment, answers={}, now=DUE + timedelta(days=1)
    )
    late = submission_submit(
        student=student,
        assignment=quiz.assignment,
        answers={},
        now=DUE + timedelta(days=2, minutes=5),
    )
    assert (on_time.is_late, late.is_late, late.minutes_late) == (False, True, 5)


def refused(student: User, quiz: Quiz, when: Any, message: str, answers: Any = None) -> None:
    before = db_state()
    with pytest.raises(ValidationError, match=message):
        submission_submit(
            student=student, assignment=quiz.assignment, answers=answers or {}, now=when
        )
    assert db_state() == before


def test_not_before_opening_nor_after_closing(quiz: Quiz, student: User) -> None:
    refused(student, quiz, OPENS - timedelta(minutes=1), "opens at 2026-09-01 08:00")
    refused(student, quiz, LOCK + timedelta(minutes=1), "closed at 2026-09-15 23:59")


def test_not_after_due_when_late_work_is_refused(quiz: Quiz, teacher: User, student: User) -> None:
    assignment_update(actor=teacher, assignment=quiz.assignment, late_submissions_accepted=False)
    refused(student, quiz, DUE + timedelta(seconds=1), "takes no late work")
    assert submission_submit(student=student, assignment=quiz.assignment, answers={}, now=DUE)


def test_extension_lock_and_attempts_win(quiz: Quiz, teacher: User, student: User) -> None:
    assignment_update(actor=teacher, assignment=quiz.assignment, max_attempts=1)
    later = LOCK + timedelta(days=1)
    extension_grant(
        actor=teacher,
        assignment=quiz.assignment,
        student=student,
        lock_at=later,
        extra_attempts=1,
    )
    for _ in range(2):
        submission_submit(student=student, assignment=quiz.assignment, answers={}, now=later)
    refused(student, quiz, later, "used all 2 attempts")
    assert submissions_for_student(quiz.assignment, student).count() == 2


def test_unpublished_assignment_refuses_work(quiz: Quiz, teacher: User, student: User) -> None:
    assignment_publish(actor=teacher, assignment=quiz.assignment, published=False)
    refused(student, quiz, ON_TIME, "not published")


def test_only_active_students_of_the_course_submit(
    quiz: Quiz, teacher: User, outsider: User
) -> None:
    before = db_state()
    for user in (teacher, outsider):
        with pytest.raises(PermissionDenied):
            submission_submit(student=user, assignment=quiz.assignment, answers={}, now=ON_TIME)
    assert db_state() == before


def test_bad_answers_change_nothing_and_say_why(quiz: Quiz, student: User) -> None:
    elsewhere = QuestionFactory(assignment=AssignmentFactory(course=quiz.assignment.course))
    other_choice = quiz.multiple.choices.first()
    assert other_choice is not None
    cases: list[tuple[dict[Any, Any], str]] = [
        ({elsewhere.id: {"text": "hi"}}, f"Question {elsewhere.id} is not part of"),
        ({"abc": {"text": "hi"}}, "Question abc is not part of"),
        ({quiz.single.id: {"choice_ids": [other_choice.id]}}, "belongs to another question"),
        ({quiz.single.id: {"choice_ids": []}}, "exactly one"),
        ({quiz.multiple.id: {"choice_ids": ["x"]}}, "listed options"),
        ({quiz.numeric.id: {"number": "nine"}}, "'nine' is not a number"),
        ({quiz.numeric.id: {"number": "Infinity"}}, "finite number"),
        ({quiz.numeric.id: {"text": "9.8"}}, "takes 'number' only"),
        ({quiz.short.id: {"text": "x" * 41}}, "41 characters long; the limit is 40"),
        ({quiz.essay.id: {"text": 42}}, "must be text"),
    ]
    for answers, message in cases:
        refused(student, quiz, ON_TIME, message, answers)


def test_site_limit_applies_when_the_question_sets_none(
    quiz: Quiz, student: User, settings: Any
) -> None:
    settings.AULA_ANSWER_MAX_CHARS = 100
    refused(
        student,
        quiz,
        ON_TIME,
        "101 characters long; the limit is 100",
        {quiz.essay.id: {"text": "y" * 101}},
    )


def test_answers_keyed_by_digit_strings_as_forms_post_them(quiz: Quiz, student: User) -> None:
    submission = submission_submit(
        student=student,
        assignment=quiz.assignment,
        answers={str(quiz.numeric.id): {"number": "9.79"}},
        now=ON_TIME,
    )
    assert submission.answers.get().number == Decimal("9.79")


def test_automatic_release_releases_rule_drafts_with_their_event(
    teacher: User, course: Course, student: User
) -> None:
    quiz = make_quiz(teacher, course, release_policy="automatic")
    submission = submission_submit(
        student=student, assignment=quiz.assignment, answers=quiz.right_answers(), now=ON_TIME
    )
    states = {state for state, _, _ in grades_by_question(submission).values()}
    assert states == {GradeState.RELEASED}
    grade = Grade.objects.get(answer__question=quiz.numeric)
    assert list(grade.events.values_list("from_state", "to_state")) == [
        ("", GradeState.DRAFT),
        (GradeState.DRAFT, GradeState.RELEASED),
    ]
    assert grade.released_at is not None
