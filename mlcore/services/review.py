"""The teacher's decision on an AI suggestion: accept it, edit it, or reject it.

Each decision is a grade change through `lms.grading.services` (the only way to change a grade),
so it is checked, locked and audited there; the `GradeEvent` it writes carries one of the
`REASON_*` texts below, so that the agreement figures and the audit can tell the three apart.
The decided grade has source `teacher`: it is what the next training run learns from.

    suggestion_accept(actor=teacher, grade=grade)                       # suggested -> draft
    suggestion_edit(actor=teacher, grade=grade, points=Decimal("1.5"))  # close, but not quite
    suggestion_reject(actor=teacher, grade=grade, points=Decimal(0), comment="Off topic.")
    answer_grade(actor=teacher, answer=answer, points=Decimal(2))       # nothing to decide on

A decision names the points it was shown (`shown_points`) when it can: if the model rescored the
answer in the meantime, the teacher is asked to look again rather than accept unseen points.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from lms.accounts.models import User
from lms.assignments.models import Answer, Level
from lms.courses.selectors import can_grade_course
from lms.grading.models import Grade, GradeSource, GradeState
from lms.grading.services import grade_accept, grade_set

# `grade_accept` writes "accepted the <source> suggestion"; the other two follow its wording.
REASON_ACCEPTED = f"accepted the {GradeSource.MODEL.label} suggestion"
REASON_EDITED = f"edited the {GradeSource.MODEL.label} suggestion"
REASON_REJECTED = f"rejected the {GradeSource.MODEL.label} suggestion"
REASON_GRADED = "graded in the review queue"
DECISION_REASONS = {
    "accepted": REASON_ACCEPTED,
    "edited": REASON_EDITED,
    "rejected": REASON_REJECTED,
}


def _lock_answer(actor: User, answer_id: int) -> Answer:
    """Lock the answer (before its grade: the order `lms.grading.services` locks them in, so
    no deadlock) once the actor is known to grade its course."""
    answer = (
        Answer.objects.select_for_update(of=("self",))
        .select_related("question__assignment__course")
        .get(pk=answer_id)
    )
    if not can_grade_course(user=actor, course=answer.question.assignment.course):
        raise PermissionDenied("Only the course's teachers and TAs can review its answers.")
    return answer


def _locked_suggestion(actor: User, grade: Grade, shown_points: Decimal | None) -> Grade:
    """The grade, locked, after checking that the actor may decide it and that it is still the
    suggestion the teacher saw. The caller is inside a transaction."""
    _lock_answer(actor, grade.answer_id)
    grade = Grade.objects.select_for_update().get(pk=grade.pk)
    if grade.state != GradeState.SUGGESTED:
        raise ValidationError(
            f"This answer has no suggestion left to decide: its grade is {grade.state} already."
        )
    if shown_points is not None and grade.points != shown_points:
        raise ValidationError(
            f"The suggestion changed from {shown_points} to {grade.points} points while you were "
            "reviewing it; look at it again."
        )
    return grade


def _source_reason(grade: Grade, reason: str) -> str:
    # A short-text answer that matched no accepted answer carries a rule's suggestion, not the
    # model's: say whose suggestion it was.
    return reason.replace(GradeSource.MODEL.label, grade.get_source_display())


@transaction.atomic
def suggestion_accept(*, actor: User, grade: Grade, shown_points: Decimal | None = None) -> Grade:
    """Accept a suggestion as it is: it becomes the actor's draft grade."""
    grade = _locked_suggestion(actor, grade, shown_points)
    return grade_accept(actor=actor, grade=grade)


@transaction.atomic
def suggestions_accept(*, actor: User, shown: Sequence[tuple[Grade, Decimal]]) -> list[Grade]:
    """Accept several suggestions at once, each with the points the teacher was shown (a cluster
    of similar answers): all of them, or none when one was decided or changed meanwhile."""
    # In answer order, so that two teachers accepting overlapping clusters lock rows in the same
    # order and wait for each other instead of deadlocking.
    ordered = sorted(shown, key=lambda pair: pair[0].answer_id)
    return [suggestion_accept(actor=actor, grade=g, shown_points=p) for g, p in ordered]


@transaction.atomic
def suggestion_edit(
    *,
    actor: User,
    grade: Grade,
    points: Decimal | None,
    comment: str = "",
    levels: Iterable[Level] = (),
    shown_points: Decimal | None = None,
) -> Grade:
    """Keep the gist of a suggestion with other points (or rubric levels) and a comment."""
    grade = _locked_suggestion(actor, grade, shown_points)
    chosen = list(levels)
    return grade_set(
        actor=actor,
        answer=grade.answer,
        points=points,
        comment=comment,
        levels=chosen if chosen or points is None else None,
        reason=_source_reason(grade, REASON_EDITED),
    )


@transaction.atomic
def suggestion_reject(
    *,
    actor: User,
    grade: Grade,
    points: Decimal,
    comment: str = "",
    shown_points: Decimal | None = None,
) -> Grade:
    """The suggestion is wrong: the actor's own points and comment replace it."""
    grade = _locked_suggestion(actor, grade, shown_points)
    return grade_set(
        actor=actor,
        answer=grade.answer,
        points=points,
        comment=comment,
        reason=_source_reason(grade, REASON_REJECTED),
    )


@transaction.atomic
def answer_grade(
    *,
    actor: User,
    answer: Answer,
    points: Decimal | None,
    comment: str = "",
    levels: Iterable[Level] = (),
) -> Grade:
    """Grade an answer from the queue that has no suggestion to decide on (none was made, or a
    teacher decided it already and changes the decision)."""
    answer = _lock_answer(actor, answer.pk)
    current = Grade.objects.select_for_update().filter(answer=answer).first()
    if current is not None and current.state == GradeState.SUGGESTED:
        # Deciding a suggestion goes through accept, edit or reject, so that the audit says which.
        raise ValidationError("This answer has a suggestion: accept, edit or reject it.")
    chosen = list(levels)
    return grade_set(
        actor=actor,
        answer=answer,
        points=points,
        comment=comment,
        levels=chosen if chosen or points is None else None,
        reason=REASON_GRADED,
    )
