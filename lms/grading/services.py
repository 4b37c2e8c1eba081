"""Every change of a grade, in one place: each one checks the move against
`ALLOWED_TRANSITIONS`, locks the grade row, writes exactly one `GradeEvent` per move and checks
the actor.

Bad input or a refused move raises `ValidationError`; an actor who is not a teacher or TA of the
course (or site staff) gets `PermissionDenied`. Either way nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from lms.accounts.models import User
from lms.assignments.models import Answer, Assignment, Level, Question, Submission
from lms.courses.models import Course
from lms.courses.selectors import can_grade_course
from lms.grading.models import ALLOWED_TRANSITIONS, Grade, GradeEvent, GradeSource, GradeState
from lms.grading.rules import (
    grade_multiple_choice,
    grade_numeric,
    grade_single_choice,
    matches_accepted,
    to_points,
)
from lms.grading.signals import grades_released


@dataclass(frozen=True)
class _Move:
    """One state change of a grade, as the audit records it."""

    to_state: str
    points: Decimal
    source: str  # who makes this move: the event's source
    actor: User | None
    reason: str
    # A move that decides the points makes `source` the grade's source and the actor its grader;
    # a release or retraction keeps both.
    decides: bool = False
    comment: str | None = None  # None keeps the grade's comment


def _require_grader(actor: User, course: Course) -> None:
    if not can_grade_course(user=actor, course=course):
        raise PermissionDenied("Only the course's teachers and TAs can grade its work.")


def _lock_answer(answer: Answer) -> tuple[Answer, Grade | None]:
    # The answer row is locked first so that two first grades of one answer cannot race; the
    # grade row, when there is one, is locked after it (always in this order: no deadlock).
    answer = (
        Answer.objects.select_for_update(of=("self",))
        .select_related("question__assignment__course", "submission")
        .get(pk=answer.pk)
    )
    grade = Grade.objects.select_for_update().filter(answer=answer).first()
    return answer, grade


def _lock_grade(grade: Grade) -> Grade:
    return (
        Grade.objects.select_for_update(of=("self",))
        .select_related("answer__question__assignment__course", "answer__submission")
        .get(pk=grade.pk)
    )


def _check_transition(from_state: str | None, to_state: str) -> None:
    if (from_state, to_state) not in ALLOWED_TRANSITIONS:
        raise ValidationError(f"A grade cannot go from {from_state or 'no grade'} to {to_state}.")


def _apply(grade: Grade | None, answer: Answer, move: _Move) -> Grade:
    """Make one allowed move and write its one event. The caller holds the row locks."""
    from_state = grade.state if grade is not None else None
    _check_transition(from_state, move.to_state)
    from_points = grade.points if grade is not None else None
    grade = grade if grade is not None else Grade(answer=answer)
    grade.state = move.to_state
    grade.points = move.points
    if move.decides:
        grade.source = move.source
        grade.graded_by = move.actor if move.source == GradeSource.TEACHER else None
    if move.comment is not None:
        grade.comment = move.comment
    grade.released_at = timezone.now() if move.to_state == GradeState.RELEASED else None
    grade.save()
    GradeEvent.objects.create(
        grade=grade,
        actor=move.actor,
        from_state=from_state or "",
        to_state=move.to_state,
        from_points=from_points,
        to_points=move.points,
        source=move.source,
        reason=move.reason[:500],
    )
    if move.to_state == GradeState.RELEASED:
        grades_released.send(sender=Grade, grade_ids=[grade.pk])
    return grade


def _release_if_automatic(grade: Grade, answer: Answer, actor: User | None) -> Grade:
    # With automatic release the student sees the teacher's (or answer key's) grade at once:
    # still two moves, draft then released, so the audit reads the same as a manual release.
    assignment = answer.question.assignment
    if assignment.release_policy != Assignment.ReleasePolicy.AUTOMATIC:
        return grade
    source = GradeSource.TEACHER if actor is not None else grade.source
    move = _Move(GradeState.RELEASED, grade.points, source, actor, "automatic release policy")
    return _apply(grade, answer, move)


def _check_submitted(answer: Answer) -> None:
    if answer.submission.status != Submission.Status.SUBMITTED:
        raise ValidationError("Only submitted work can be graded.")


def _check_points(points: Decimal, question: Question) -> Decimal:
    points = to_points(Decimal(points))
    if points < 0 or points > question.points:
        raise ValidationError(f"Points must be between 0 and the question's {question.points}.")
    return points


def _rule_points(answer: Answer) -> tuple[Decimal, bool] | None:
    """The answer key's points and whether they are certain; `None` when no rule applies."""
    question = answer.question
    chosen = [choice.id for choice in answer.choices.all()]
    correct = [choice.id for choice in question.choices.all() if choice.is_correct]
    if question.kind == Question.Kind.SINGLE_CHOICE:
        return grade_single_choice(
            chosen_ids=chosen, correct_ids=correct, points=question.points
        ), True
    if question.kind == Question.Kind.MULTIPLE_CHOICE:
        return grade_multiple_choice(
            chosen_ids=chosen, correct_ids=correct, points=question.points
        ), True
    if question.kind == Question.Kind.NUMERIC:
        if answer.number is None or question.numeric_answer is None:
            return to_points(Decimal(0)), True
        return grade_numeric(
            value=answer.number,
            answer=question.numeric_answer,
            tolerance=question.numeric_tolerance,
            points=question.points,
        ), True
    if question.kind == Question.Kind.SHORT_TEXT and question.accepted_answers:
        # No match may still be right in other words: a suggested 0 for the teacher to review.
        matched = matches_accepted(
            answer.text, question.accepted_answers, case_sensitive=question.case_sensitive
        )
        return (to_points(question.points) if matched else to_points(Decimal(0))), matched
    return None


@transaction.atomic
def grade_apply_rule(*, answer: Answer) -> Grade | None:
    """Grade an objective answer by the question's answer key (called at submission).

    Choice and numeric answers, and short text matching an accepted answer, become a rule draft;
    short text matching none becomes a suggested 0 for the teacher to review. Essays and short
    text without accepted answers get nothing (`None`). Never touches a teacher's decision.
    """
    answer, grade = _lock_answer(answer)
    _check_submitted(answer)
    result = _rule_points(answer)
    if result is None:
        return None
    points, certain = result
    if grade is not None and grade.state != GradeState.SUGGESTED:
        # A decision stands; only the answer key may revise its own unreleased draft.
        revisable = grade.source == GradeSource.RULE and grade.state == GradeState.DRAFT
        if not (revisable and certain):
            return None
    if grade is not None and grade.source == GradeSource.MODEL and not certain:
        return None  # a model's reading of the text says more than "matched no accepted answer"
    state = GradeState.DRAFT if certain else GradeState.SUGGESTED
    reason = "answer key" if certain else "no accepted answer matched; review it"
    move = _Move(state, points, GradeSource.RULE, None, reason, decides=True)
    grade = _apply(grade, answer, move)
    return _release_if_automatic(grade, answer, None) if certain else grade


@transaction.atomic
def grade_suggest(
    *,
    answer: Answer,
    points: Decimal,
    comment: str = "",
    source: str = GradeSource.MODEL,
    reason: str = "",
) -> Grade | None:
    """Store a model (or rule) suggestion; `None`, with nothing written, when the answer already
    has a teacher's draft, a rule draft or a released grade."""
    if source not in (GradeSource.MODEL, GradeSource.RULE):
        raise ValidationError("Only a model or a rule suggests grades.")
    answer, grade = _lock_answer(answer)
    _check_submitted(answer)
    points = _check_points(points, answer.question)
    if grade is not None and grade.state != GradeState.SUGGESTED:
        return None
    move = _Move(
        GradeState.SUGGESTED,
        points,
        source,
        None,
        reason or f"{source} suggestion",
        decides=True,
        comment=comment,
    )
    return _apply(grade, answer, move)


def _check_levels(levels: list[Level], question: Question) -> None:
    criteria = {level.criterion_id for level in levels}
    if len(criteria) != len(levels):
        raise ValidationError("Choose at most one level per rubric criterion.")
    own = set(question.criteria.values_list("id", flat=True))
    if not criteria <= own:
        raise ValidationError("These rubric levels belong to another question.")


@transaction.atomic
def grade_set(
    *,
    actor: User,
    answer: Answer,
    points: Decimal | None = None,
    comment: str | None = None,
    levels: Iterable[Level] | None = None,
    reason: str = "",
) -> Grade:
    """A teacher or TA decides the grade: a draft with these points, comment and rubric levels.

    `points=None` with levels takes the levels' sum; `comment=None` and `levels=None` keep what
    the grade has. A released grade goes back to draft (the student never sees a half-edited
    grade); the automatic release policy releases it again.
    """
    answer, grade = _lock_answer(answer)
    _require_grader(actor, answer.question.assignment.course)
    _check_submitted(answer)
    chosen = None if levels is None else list(levels)
    if chosen is not None:
        _check_levels(chosen, answer.question)
    if points is None:
        if not chosen:
            raise ValidationError("Give points or choose rubric levels.")
        points = sum((level.points for level in chosen), Decimal(0))
    points = _check_points(points, answer.question)
    move = _Move(
        GradeState.DRAFT,
        points,
        GradeSource.TEACHER,
        actor,
        reason or "graded",
        decides=True,
        comment=comment,
    )
    grade = _apply(grade, answer, move)
    if chosen is not None:
        grade.levels.set(chosen)
    return _release_if_automatic(grade, answer, actor)


@transaction.atomic
def grade_accept(*, actor: User, grade: Grade) -> Grade:
    """Accept a suggestion as it is: suggested -> draft, with the actor as its grader."""
    grade = _lock_grade(grade)
    _require_grader(actor, grade.answer.question.assignment.course)
    if grade.state != GradeState.SUGGESTED:
        raise ValidationError(f"Only a suggestion can be accepted; this grade is {grade.state}.")
    reason = f"accepted the {grade.get_source_display()} suggestion"
    move = _Move(GradeState.DRAFT, grade.points, GradeSource.TEACHER, actor, reason, decides=True)
    grade = _apply(grade, grade.answer, move)
    return _release_if_automatic(grade, grade.answer, actor)


@transaction.atomic
def grade_release(*, actor: User, grade: Grade) -> Grade:
    """Show a draft grade to the student: draft -> released."""
    grade = _lock_grade(grade)
    _require_grader(actor, grade.answer.question.assignment.course)
    _check_submitted(grade.answer)
    move = _Move(GradeState.RELEASED, grade.points, GradeSource.TEACHER, actor, "released")
    return _apply(grade, grade.answer, move)


@transaction.atomic
def grade_retract(*, actor: User, grade: Grade, reason: str = "") -> Grade:
    """Take a released grade back to draft; the student no longer sees it."""
    grade = _lock_grade(grade)
    _require_grader(actor, grade.answer.question.assignment.course)
    if grade.state != GradeState.RELEASED:
        raise ValidationError(f"Only a released grade can be retracted; this one is {grade.state}.")
    move = _Move(GradeState.DRAFT, grade.points, GradeSource.TEACHER, actor, reason or "retracted")
    return _apply(grade, grade.answer, move)


def _move_all(grades: QuerySet[Grade], *, actor: User, to_state: str, reason: str) -> list[int]:
    """Move every grade of `grades` (all in one state) to `to_state` by the teacher `actor`.

    One locked read, one UPDATE and one bulk INSERT of events, whatever the class size; the rows
    stay locked until the caller's commit, so no grade moves twice. Returns the ids moved.
    """
    locked = list(grades.select_for_update(of=("self",)).values_list("id", "state", "points"))
    now = timezone.now()
    Grade.objects.filter(pk__in=[pk for pk, _, _ in locked]).update(
        state=to_state,
        released_at=now if to_state == GradeState.RELEASED else None,
        updated_at=now,
    )
    GradeEvent.objects.bulk_create(
        GradeEvent(
            grade_id=pk,
            actor=actor,
            from_state=state,
            to_state=to_state,
            from_points=points,
            to_points=points,
            source=GradeSource.TEACHER,
            reason=reason,
        )
        for pk, state, points in locked
    )
    return [pk for pk, _, _ in locked]


@transaction.atomic
def assignment_grades_release(
    *, actor: User, assignment: Assignment, student: User | None = None
) -> int:
    """Release every draft grade of the assignment's submitted work (or one student's).

    Suggestions stay unreleased: a teacher must decide them first. Returns how many were released.
    """
    _require_grader(actor, assignment.course)
    _check_transition(GradeState.DRAFT, GradeState.RELEASED)
    drafts = Grade.objects.filter(
        answer__submission__assignment=assignment,
        answer__submission__status=Submission.Status.SUBMITTED,
        state=GradeState.DRAFT,
    )
    if student is not None:
        drafts = drafts.filter(answer__submission__student=student)
    moved = _move_all(
        drafts, actor=actor, to_state=GradeState.RELEASED, reason="released with the assignment"
    )
    if moved:
        grades_released.send(sender=Grade, grade_ids=moved)
    return len(moved)


@transaction.atomic
def assignment_grades_retract(
    *, actor: User, assignment: Assignment, student: User | None = None, reason: str = ""
) -> int:
    """Take every released grade of the assignment (or of one student) back to draft.

    The students no longer see them until they are released again. Returns how many.
    """
    _require_grader(actor, assignment.course)
    _check_transition(GradeState.RELEASED, GradeState.DRAFT)
    released = Grade.objects.filter(
        answer__submission__assignment=assignment, state=GradeState.RELEASED
    )
    if student is not None:
        released = released.filter(answer__submission__student=student)
    moved = _move_all(
        released,
        actor=actor,
        to_state=GradeState.DRAFT,
        reason=(reason or "retracted with the assignment")[:500],
    )
    return len(moved)
