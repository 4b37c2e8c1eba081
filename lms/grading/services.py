"""Every change of a grade, in one place: each one checks the move against
`ALLOWED_TRANSITIONS`, locks the grade row, writes exactly one `GradeEvent` and checks the actor.

Bad input or a refused move raises `ValidationError`; an actor who is not a teacher or TA of the
course (or site staff) gets `PermissionDenied`. Either way nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db import transaction

from lms.accounts.models import User
from lms.assignments.models import Answer, Assignment, Level
from lms.grading.models import Grade, GradeSource


@transaction.atomic
def grade_apply_rule(*, answer: Answer) -> Grade | None:
    """Grade an objective answer by the question's answer key (called at submission).

    Choice and numeric answers, and short text matching an accepted answer, become a rule draft;
    short text matching none becomes a suggested 0 for the teacher to review. Essays and short
    text without accepted answers get nothing (`None`). Never touches a teacher's decision.
    """
    raise NotImplementedError


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
    has a teacher's draft or a released grade."""
    raise NotImplementedError


@transaction.atomic
def grade_set(
    *,
    actor: User,
    answer: Answer,
    points: Decimal | None = None,
    comment: str = "",
    levels: Iterable[Level] = (),
    reason: str = "",
) -> Grade:
    """A teacher or TA decides the grade: a draft with these points, comment and rubric levels.

    `points=None` with levels takes the levels' sum. A released grade goes back to draft (the
    student keeps seeing nothing half-edited); automatic release policy releases it again.
    """
    raise NotImplementedError


@transaction.atomic
def grade_accept(*, actor: User, grade: Grade) -> Grade:
    """Accept a suggestion as it is: suggested -> draft."""
    raise NotImplementedError


@transaction.atomic
def grade_release(*, actor: User, grade: Grade) -> Grade:
    """Show a draft grade to the student: draft -> released."""
    raise NotImplementedError


@transaction.atomic
def grade_retract(*, actor: User, grade: Grade, reason: str = "") -> Grade:
    """Take a released grade back to draft."""
    raise NotImplementedError


@transaction.atomic
def assignment_grades_release(
    *, actor: User, assignment: Assignment, student: User | None = None
) -> int:
    """Release every draft grade of the assignment's submitted work (or one student's).

    Suggestions stay unreleased: a teacher must decide them first. Returns how many were released.
    """
    raise NotImplementedError
