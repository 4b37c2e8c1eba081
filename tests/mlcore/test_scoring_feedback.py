"""Who sees which AI feedback, and advice that never carries another student's answer or name."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from lms.accounts.models import User
from lms.assignments.models import Answer, Question, Submission
from lms.courses.models import Course
from lms.grading.services import grade_release, grade_set
from mlcore.models import ModelVersion, Prediction
from mlcore.selectors.feedback import (
    BASIS_SIMILARITY,
    LABEL_PROVISIONAL,
    LABEL_RELEASED,
    KeyPoint,
    feedback_for_submission,
    segments,
)
from mlcore.services.registry import scoring_model_for
from mlcore.services.scoring import submission_score
from tests.factories import QuestionFactory
from tests.mlcore.scoring_helpers import (
    PARTIAL,
    RIGHT,
    new_student,
    submit,
    submit_answer,
    text_question,
)

SIMILAR_TO_RIGHT = (
    "Air scatters blue light more than red light because blue has a short wavelength."
)
COMMENT = "Good, Pat! Now say why a short wavelength scatters more."


@pytest.fixture
def question(course: Course) -> Question:
    return text_question(course)


@pytest.fixture
def answer(question: Question, student: User) -> Answer:
    answer = submit_answer(question, RIGHT, student=student)
    submission_score(submission_id=answer.submission_id)
    return answer


def test_the_student_sees_provisional_feedback_at_once_without_internals(
    answer: Answer, student: User
) -> None:
    feedback = feedback_for_submission(submission=answer.submission, viewer=student)

    item = feedback.answers[0]
    assert (feedback.audience, item.status, feedback.pending) == ("student", "ready", False)
    assert (item.label, item.basis) == (LABEL_PROVISIONAL, BASIS_SIMILARITY)
    assert item.score == Decimal(2)
    assert item.low is not None
    assert item.high is not None
    assert any(k.met and k.evidence for k in item.key_points)
    assert (item.confidence, item.model, item.flags, item.similar) == (None, "", [], [])


def test_after_release_courses_hide_feedback_until_the_grade_is_released(
    answer: Answer, student: User, teacher: User, course: Course
) -> None:
    course.ai_feedback = Course.AIFeedback.AFTER_RELEASE
    course.save()

    hidden = feedback_for_submission(submission=answer.submission, viewer=student).answers[0]
    grade = grade_set(actor=teacher, answer=answer, points=Decimal(2))
    grade_release(actor=teacher, grade=grade)
    shown = feedback_for_submission(submission=answer.submission, viewer=student).answers[0]

    assert (hidden.status, hidden.score, hidden.key_points) == ("hidden", None, [])
    assert (shown.status, shown.label, shown.score) == ("ready", LABEL_RELEASED, Decimal(2))


def test_feedback_not_computed_yet_is_pending(question: Question, student: User) -> None:
    answer = submit_answer(question, RIGHT, student=student)

    feedback = feedback_for_submission(submission=answer.submission, viewer=student)

    assert feedback.pending
    assert feedback.answers[0].status == "pending"


def test_other_students_and_outsiders_are_refused(
    answer: Answer, outsider: User, course: Course
) -> None:
    classmate = new_student(course)
    for viewer in (outsider, classmate):
        with pytest.raises(PermissionDenied):
            feedback_for_submission(submission=answer.submission, viewer=viewer)


def _graded_classmate(question: Question, teacher: User) -> Answer:
    classmate = new_student(question.assignment.course)
    classmate.display_name = "Pat Classmate"
    classmate.save()
    graded = submit_answer(question, SIMILAR_TO_RIGHT, student=classmate)
    grade_set(actor=teacher, answer=graded, points=Decimal(2), comment=COMMENT)
    return graded


def test_advice_comes_from_the_teachers_comment_without_the_other_students_name(
    question: Question, student: User, teacher: User
) -> None:
    graded = _graded_classmate(question, teacher)
    answer = submit_answer(question, RIGHT, student=student)
    submission_score(submission_id=answer.submission_id)

    mine = feedback_for_submission(submission=answer.submission, viewer=student).answers[0]
    theirs = feedback_for_submission(submission=answer.submission, viewer=teacher).answers[0]

    assert mine.advice == "Good! Now say why a short wavelength scatters more."
    assert "Pat" not in repr(mine)
    assert SIMILAR_TO_RIGHT not in repr(mine)
    assert theirs.similar[0].answer_id == graded.pk
    assert (theirs.similar[0].text, theirs.similar[0].comment) == (SIMILAR_TO_RIGHT, COMMENT)
    assert theirs.similar[0].student == "Pat Classmate"
    assert theirs.confidence is not None
    assert theirs.model == "similarity"


def test_advice_skips_comments_on_later_attempts(
    question: Question, student: User, teacher: User
) -> None:
    graded = _graded_classmate(question, teacher)
    Submission.objects.filter(pk=graded.submission_id).update(attempt=2)
    answer = submit_answer(question, RIGHT, student=student)
    submission_score(submission_id=answer.submission_id)

    mine = feedback_for_submission(submission=answer.submission, viewer=student).answers[0]
    theirs = feedback_for_submission(submission=answer.submission, viewer=teacher).answers[0]

    # "Much better than your first try" is about the classmate's progress: not advice for others.
    assert mine.advice == ""
    assert theirs.similar[0].answer_id == graded.pk  # the teacher still sees the similar answer


def test_the_active_versions_prediction_is_shown(answer: Answer, teacher: User) -> None:
    version = ModelVersion.objects.create(
        scoring_model=scoring_model_for(answer.question),
        number=1,
        family="mlp",
        artifact="scoring/none",
        sha256="0" * 64,
        is_active=True,
    )
    Prediction.objects.create(
        answer=answer,
        version=version,
        kind=Prediction.Kind.MODEL,
        score=Decimal(1),
        low=Decimal(0),
        high=Decimal(2),
        confidence=0.7,
        input_hash="1" * 64,
    )
    # A newer similarity row (a rescore racing a promotion) does not replace it.
    Prediction.objects.filter(answer=answer, version=None).update(
        created_at=timezone.now() + timedelta(minutes=1)
    )

    item = feedback_for_submission(submission=answer.submission, viewer=teacher).answers[0]

    assert (item.score, item.model, item.basis) == (Decimal(1), "v1 · mlp", "")


def test_segments_mark_the_evidence_in_the_students_own_text() -> None:
    text = "Light scatters. Blue is short. The end."
    points = [
        KeyPoint("scattering", True, "Light scatters.", 0, 15),
        KeyPoint("short wavelength", True, "Blue is short.", 16, 30),
        KeyPoint("missed", False),
    ]

    pieces = segments(text, points)

    assert "".join(p.text for p in pieces) == text
    assert [(p.text, p.key_points) for p in pieces if p.key_points] == [
        ("Light scatters.", ("scattering",)),
        ("Blue is short.", ("short wavelength",)),
    ]


@pytest.mark.parametrize("viewer_name", ["student", "teacher"])
def test_query_count_does_not_grow_with_answers(
    course: Course,
    student: User,
    teacher: User,
    viewer_name: str,
    django_assert_num_queries: Any,
) -> None:
    viewer = {"student": student, "teacher": teacher}[viewer_name]
    small_question = text_question(course)
    _graded_classmate(small_question, teacher)
    small = submit(student, small_question.assignment, {small_question.pk: RIGHT})
    big_question = text_question(course)
    more = [QuestionFactory(assignment=big_question.assignment) for _ in range(4)]
    for q in (big_question, *more):
        _graded_classmate(q, teacher)
    big = submit(student, big_question.assignment, {q.pk: PARTIAL for q in (big_question, *more)})
    for submission in (small, big):
        submission_score(submission_id=submission.pk)
    expected = 3 if viewer_name == "student" else 5  # + the grader check and similar answers

    for submission, size in ((small, 1), (big, 5)):
        with django_assert_num_queries(expected):
            feedback = feedback_for_submission(submission=submission, viewer=viewer)
            assert len(feedback.answers) == size
            assert all(item.status == "ready" for item in feedback.answers)
