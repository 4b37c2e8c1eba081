"""Accept, edit and reject an AI suggestion: each audited as such, each a teacher's grade."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from lms.accounts.models import User
from lms.assignments.models import Question
from lms.courses.models import Course
from lms.grading.models import Grade, GradeEvent, GradeSource, GradeState
from lms.grading.services import grade_set, grade_suggest
from mlcore.services.review import (
    REASON_ACCEPTED,
    REASON_EDITED,
    REASON_GRADED,
    REASON_REJECTED,
    answer_grade,
    suggestion_accept,
    suggestion_edit,
    suggestion_reject,
)
from mlcore.services.training_data import training_examples
from tests.factories import CriterionFactory, LevelFactory
from tests.lms.dbstate import db_state
from tests.mlcore.review_helpers import make_answer, make_question, make_ta, suggest


@pytest.fixture
def question(course: Course) -> Question:
    return make_question(course, points=Decimal(4))


def _last_event(grade: Grade) -> GradeEvent:
    return GradeEvent.objects.filter(grade=grade).order_by("-id").first()  # type: ignore[return-value]


def _teacher_grade(grade: Grade, actor: User, points: str) -> None:
    """The decided grade is what training reads: the teacher's, in draft, with these points."""
    grade.refresh_from_db()
    assert (grade.state, grade.source, grade.graded_by) == (
        GradeState.DRAFT,
        GradeSource.TEACHER,
        actor,
    )
    assert grade.points == Decimal(points)


def test_accept_keeps_the_points_and_records_the_decision(
    question: Question, teacher: User
) -> None:
    grade = suggest(make_answer(question), 3)
    suggestion_accept(actor=teacher, grade=grade, shown_points=Decimal(3))
    _teacher_grade(grade, teacher, "3")
    event = _last_event(grade)
    assert (event.reason, event.actor, event.from_state, event.to_state) == (
        REASON_ACCEPTED,
        teacher,
        GradeState.SUGGESTED,
        GradeState.DRAFT,
    )


def test_edit_changes_points_and_comment(question: Question, course: Course) -> None:
    ta = make_ta(course)
    grade = suggest(make_answer(question), 3)
    suggestion_edit(actor=ta, grade=grade, points=Decimal("2.5"), comment="Half a point short.")
    _teacher_grade(grade, ta, "2.5")
    grade.refresh_from_db()
    assert grade.comment == "Half a point short."
    event = _last_event(grade)
    assert (event.reason, event.from_points, event.to_points) == (
        REASON_EDITED,
        Decimal(3),
        Decimal("2.5"),
    )


def test_edit_with_rubric_levels_takes_their_sum(course: Course, teacher: User) -> None:
    criterion = CriterionFactory(question=make_question(course, points=Decimal(4)))
    levels = [LevelFactory(criterion=criterion, points=Decimal(n)) for n in (1, 3)]
    grade = suggest(make_answer(criterion.question), 1)
    suggestion_edit(actor=teacher, grade=grade, points=None, levels=[levels[1]])
    _teacher_grade(grade, teacher, "3")
    assert list(grade.levels.all()) == [levels[1]]


def test_reject_replaces_the_suggestion(question: Question, teacher: User) -> None:
    grade = suggest(make_answer(question), 4)
    suggestion_reject(actor=teacher, grade=grade, points=Decimal(0), comment="Off topic.")
    _teacher_grade(grade, teacher, "0")
    assert _last_event(grade).reason == REASON_REJECTED


def test_a_rule_suggestion_is_named_as_such(course: Course, teacher: User) -> None:
    question = make_question(course, accepted_answers=["Rayleigh scattering"])
    answer = make_answer(question, "Because of dust")
    grade = grade_suggest(answer=answer, points=Decimal(0), source=GradeSource.RULE)
    assert grade is not None
    suggestion_reject(actor=teacher, grade=grade, points=Decimal(1))
    assert _last_event(grade).reason == "rejected the Rule suggestion"


@pytest.mark.parametrize("who", ["student", "outsider"])
def test_only_the_course_staff_decide(
    question: Question, request: pytest.FixtureRequest, who: str
) -> None:
    grade = suggest(make_answer(question), 3)
    actor = request.getfixturevalue(who)
    before = db_state()
    for decide in (
        lambda: suggestion_accept(actor=actor, grade=grade),
        lambda: suggestion_edit(actor=actor, grade=grade, points=Decimal(1)),
        lambda: suggestion_reject(actor=actor, grade=grade, points=Decimal(1)),
        lambda: answer_grade(actor=actor, answer=grade.answer, points=Decimal(1)),
    ):
        with pytest.raises(PermissionDenied):
            decide()
    assert db_state() == before


def test_a_decided_grade_has_no_suggestion_left(question: Question, teacher: User) -> None:
    answer = make_answer(question)
    grade = grade_set(actor=teacher, answer=answer, points=Decimal(2))
    before = db_state()
    with pytest.raises(ValidationError, match="no suggestion left"):
        suggestion_accept(actor=teacher, grade=grade)
    with pytest.raises(ValidationError, match="no suggestion left"):
        suggestion_reject(actor=teacher, grade=grade, points=Decimal(1))
    assert db_state() == before


def test_a_suggestion_changed_since_it_was_shown_is_not_accepted(
    question: Question, teacher: User
) -> None:
    grade = suggest(make_answer(question), 3)
    grade_suggest(answer=grade.answer, points=Decimal(1))  # a rescore while the page was open
    before = db_state()
    with pytest.raises(ValidationError, match=r"changed from 3 to 1\.00"):
        suggestion_accept(actor=teacher, grade=grade, shown_points=Decimal(3))
    assert db_state() == before


@pytest.mark.parametrize("points", [Decimal(5), Decimal(-1)])
def test_points_outside_the_question_are_refused(
    question: Question, teacher: User, points: Decimal
) -> None:
    grade = suggest(make_answer(question), 3)
    before = db_state()
    with pytest.raises(ValidationError, match="between 0 and"):
        suggestion_edit(actor=teacher, grade=grade, points=points)
    assert db_state() == before


def test_answer_grade_for_an_answer_without_suggestion(question: Question, teacher: User) -> None:
    answer = make_answer(question)
    grade = answer_grade(actor=teacher, answer=answer, points=Decimal(1), comment="Good start.")
    _teacher_grade(grade, teacher, "1")
    assert _last_event(grade).reason == REASON_GRADED
    # A decided grade can be changed again from the queue.
    answer_grade(actor=teacher, answer=answer, points=Decimal(2))
    _teacher_grade(grade, teacher, "2")


def test_answer_grade_refuses_to_bypass_a_suggestion(question: Question, teacher: User) -> None:
    grade = suggest(make_answer(question), 3)
    with pytest.raises(ValidationError, match="accept, edit or reject"):
        answer_grade(actor=teacher, answer=grade.answer, points=Decimal(1))


def test_every_decision_becomes_training_data(question: Question, teacher: User) -> None:
    grades = [suggest(make_answer(question, f"Answer {n}"), 3) for n in range(5)]
    suggestion_accept(actor=teacher, grade=grades[0])
    suggestion_edit(actor=teacher, grade=grades[1], points=Decimal(2))
    suggestion_reject(actor=teacher, grade=grades[2], points=Decimal(0))
    answer_grade(actor=teacher, answer=make_answer(question, "Answer 5"), points=Decimal(4))
    # The last two suggestions stay undecided: a model must not learn from its own guesses.
    learned = {ex.answer: ex.score for _, ex in training_examples(question)}
    assert learned == {"Answer 0": 3.0, "Answer 1": 2.0, "Answer 2": 0.0, "Answer 5": 4.0}
