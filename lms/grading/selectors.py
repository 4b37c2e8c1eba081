"""Read-only grading figures: a submission's total and the course gradebook."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from lms.assignments.models import Submission
from lms.courses.models import Course


@dataclass(frozen=True)
class SubmissionTotal:
    points_possible: Decimal
    raw: Decimal  # sum of the counted grades, before the late penalty
    late_penalty: Decimal
    final: Decimal
    graded_answers: int
    ungraded_answers: int


@dataclass(frozen=True)
class GradebookAssignment:
    id: int
    title: str
    category_id: int | None
    points_possible: Decimal
    due_at: datetime | None


@dataclass(frozen=True)
class GradebookCategory:
    id: int | None  # None: the assignments without a category
    name: str
    weight: Decimal


@dataclass
class GradebookRow:
    student_id: int
    email: str
    name: str
    # assignment id -> points after the late penalty or missing policy; None: nothing to count
    scores: dict[int, Decimal | None] = field(default_factory=dict)
    # category id -> percent of the points possible in the graded work of that category
    category_percents: dict[int | None, Decimal | None] = field(default_factory=dict)
    total_percent: Decimal | None = None


@dataclass(frozen=True)
class Gradebook:
    assignments: list[GradebookAssignment]
    categories: list[GradebookCategory]
    rows: list[GradebookRow]
    weighted: bool  # False: every weight is 0, so the total is by points


def submission_total(submission: Submission, *, released_only: bool) -> SubmissionTotal:
    """Raw points, late penalty and final score of one attempt.

    `released_only=True` counts what the student sees (released grades); otherwise teacher and
    rule drafts count too. Suggestions never count.
    """
    raise NotImplementedError


def gradebook_for_course(*, course: Course, released_only: bool = False) -> Gradebook:
    """Students x published assignments with final scores, category percents and the total.

    A constant number of queries, whatever the class size.
    """
    raise NotImplementedError
