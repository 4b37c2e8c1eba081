"""Read-only grading figures: a submission's total and the course gradebook."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from lms.assignments.models import Answer, Assignment, Category, Extension, Submission
from lms.courses.models import Course, Enrollment
from lms.courses.services import LATE_POLICY_FIELDS
from lms.grading.late_policy import LatePolicy, late_penalty, missing_score
from lms.grading.models import GradeState
from lms.grading.rules import to_points

ZERO = Decimal(0)
HUNDRED = Decimal(100)


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
    # assignment id -> points the late policy took from the counted attempt (absent: none)
    penalties: dict[int, Decimal] = field(default_factory=dict)
    # category id -> percent of the points possible in the graded work of that category
    category_percents: dict[int | None, Decimal | None] = field(default_factory=dict)
    total_percent: Decimal | None = None


@dataclass(frozen=True)
class Gradebook:
    assignments: list[GradebookAssignment]
    categories: list[GradebookCategory]
    rows: list[GradebookRow]
    weighted: bool  # False: every weight is 0, so the total is by points


def counted_states(*, released_only: bool) -> tuple[str, ...]:
    """Grade states that count in totals: what the student sees, or every decision so far.
    Suggestions never count: nobody has decided them yet."""
    if released_only:
        return (GradeState.RELEASED,)
    return (GradeState.DRAFT, GradeState.RELEASED)


def submission_total(submission: Submission, *, released_only: bool) -> SubmissionTotal:
    """Raw points, late penalty and final score of one attempt.

    `released_only=True` counts what the student sees (released grades); otherwise teacher and
    rule drafts count too. The penalty uses the lateness stored at submission, which already
    took the student's extension into account.
    """
    assignment = submission.assignment
    possible = assignment.questions.aggregate(total=Sum("points"))["total"] or ZERO
    states = counted_states(released_only=released_only)
    figures = submission.answers.aggregate(
        raw=Sum("grade__points", filter=Q(grade__state__in=states)),
        graded=Count("grade", filter=Q(grade__state__in=states)),
        answers=Count("id"),
    )
    raw = to_points(figures["raw"] or ZERO)
    penalty = late_penalty(
        score=raw,
        points_possible=possible,
        minutes=submission.minutes_late,
        policy=LatePolicy.of(assignment),
    )
    return SubmissionTotal(
        points_possible=to_points(possible),
        raw=raw,
        late_penalty=penalty,
        final=raw - penalty,
        graded_answers=figures["graded"],
        ungraded_answers=figures["answers"] - figures["graded"],
    )


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return to_points(HUNDRED * part / whole) if whole > 0 else None


def gradebook_for_course(
    *, course: Course, released_only: bool = False, now: datetime | None = None
) -> Gradebook:
    """Students x published assignments with final scores, category percents and the total.

    Per assignment the counted attempt follows `attempt_scoring` (latest, or highest final
    score), with its late penalty. An attempt with no counted grade is not counted at all (as
    Canvas ignores ungraded work). With no attempt, once the student's due time has passed, the
    missing-work policy gives its grade when enabled.

    The total, as Canvas computes it: weighted categories are averaged by weight, the weights
    renormalised over the categories in which the student has counted work (work outside any
    category, and categories weighted 0, then count for nothing); when every weight is 0 the
    total is points earned over points possible. Five queries, whatever the class size.
    """
    now = now or timezone.now()
    categories = [
        GradebookCategory(row["id"], row["name"], row["weight"])
        for row in Category.objects.filter(course=course).values("id", "name", "weight")
    ]
    assignments = _gradebook_assignments(course)
    columns = [
        GradebookAssignment(a["id"], a["title"], a["category_id"], a["possible"], a["due_at"])
        for a in assignments
    ]
    if any(column.category_id is None for column in columns):
        categories.append(GradebookCategory(None, "Uncategorised", ZERO))
    students = (
        Enrollment.objects.filter(course=course, role=Enrollment.Role.STUDENT, is_active=True)
        .order_by("user__email")
        .values("user_id", "user__email", "user__display_name")
    )
    extension_due = {
        (row["assignment_id"], row["student_id"]): row["due_at"]
        for row in Extension.objects.filter(assignment__course=course, due_at__isnull=False).values(
            "assignment_id", "student_id", "due_at"
        )
    }
    attempts = _scored_attempts(course, assignments, released_only=released_only)
    weighted = any(category.weight > 0 for category in categories)
    rows = []
    for student in students:
        email = student["user__email"]
        row = GradebookRow(student["user_id"], email, student["user__display_name"] or email)
        for a in assignments:
            key = (a["id"], row.student_id)
            due = extension_due.get(key, a["due_at"])
            score, penalty = _assignment_score(a, attempts.get(key, []), due=due, now=now)
            row.scores[a["id"]] = score
            if penalty:
                row.penalties[a["id"]] = penalty
        _fill_totals(row, columns, categories, weighted=weighted)
        rows.append(row)
    return Gradebook(columns, categories, rows, weighted)


def _gradebook_assignments(course: Course) -> list[dict[str, Any]]:
    possible = Coalesce(
        Sum("questions__points"),
        Value(ZERO),
        output_field=DecimalField(max_digits=9, decimal_places=2),
    )
    rows = list(
        Assignment.objects.filter(course=course, is_published=True)
        .order_by("position", "due_at", "id")
        .values("id", "title", "category_id", "due_at", "attempt_scoring", *LATE_POLICY_FIELDS)
        .annotate(possible=possible)
    )
    for row in rows:
        row["possible"] = to_points(row["possible"])  # SQLite sums come back without the cents
    return rows


# (attempt number, final score or None when nothing counted, late penalty)
Attempt = tuple[int, Decimal | None, Decimal]


def _scored_attempts(
    course: Course, assignments: list[dict[str, Any]], *, released_only: bool
) -> dict[tuple[int, int], list[Attempt]]:
    """(assignment id, student id) -> the student's scored attempts at the assignment."""
    by_id = {a["id"]: a for a in assignments}
    states = counted_states(released_only=released_only)
    submissions = (
        Submission.objects.filter(
            assignment__course=course,
            assignment__is_published=True,
            status=Submission.Status.SUBMITTED,
        )
        .values("id", "assignment_id", "student_id", "attempt", "minutes_late")
        .annotate(
            raw=Sum("answers__grade__points", filter=Q(answers__grade__state__in=states)),
            graded=Count("answers__grade", filter=Q(answers__grade__state__in=states)),
        )
    )
    attempts: dict[tuple[int, int], list[Attempt]] = defaultdict(list)
    for sub in submissions:
        a = by_id[sub["assignment_id"]]
        final = None
        penalty = ZERO
        if sub["graded"]:
            raw = to_points(sub["raw"])
            penalty = late_penalty(
                score=raw,
                points_possible=a["possible"],
                minutes=sub["minutes_late"],
                policy=_policy(a),
            )
            final = raw - penalty
        attempts[(a["id"], sub["student_id"])].append((sub["attempt"], final, penalty))
    return attempts


def _policy(assignment: dict[str, Any]) -> LatePolicy:
    return LatePolicy(
        accepted=assignment["late_submissions_accepted"],
        deduction_percent=assignment["late_deduction_percent"],
        interval=assignment["late_interval"],
        minimum_percent=assignment["late_minimum_percent"],
        missing_enabled=assignment["missing_deduction_enabled"],
        missing_percent=assignment["missing_deduction_percent"],
    )


def counted_attempt(attempts: Sequence[Attempt], attempt_scoring: str) -> Attempt | None:
    """The attempt that counts: with `HIGHEST` the best final score (None while no attempt is
    scored), else the latest attempt, scored or not (its final is then None)."""
    if attempt_scoring == Assignment.AttemptScoring.HIGHEST:
        scored = [attempt for attempt in attempts if attempt[1] is not None]
        return max(scored, key=lambda attempt: attempt[1] or ZERO) if scored else None
    return max(attempts, key=lambda attempt: attempt[0]) if attempts else None


def _assignment_score(
    assignment: dict[str, Any],
    attempts: list[Attempt],
    *,
    due: datetime | None,
    now: datetime,
) -> tuple[Decimal | None, Decimal]:
    """The counted score and the late penalty already taken from it."""
    if not attempts:
        if due is not None and now > due:
            policy = _policy(assignment)
            return missing_score(points_possible=assignment["possible"], policy=policy), ZERO
        return None, ZERO
    counted = counted_attempt(attempts, assignment["attempt_scoring"])
    if counted is None:
        return None, ZERO
    _, final, penalty = counted
    return final, penalty


def course_total(
    figures: Sequence[tuple[Decimal, Decimal, Decimal]], *, weighted: bool
) -> tuple[list[Decimal | None], Decimal | None]:
    """(weight, points earned, points possible) per category -> each category's percent and the
    course total as Canvas computes it (see `gradebook_for_course`)."""
    percents = [_percent(earned, possible) for _, earned, possible in figures]
    if not weighted:
        earned = sum((earned for _, earned, _ in figures), ZERO)
        possible = sum((possible for _, _, possible in figures), ZERO)
        return percents, _percent(earned, possible)
    counted = [
        (weight, percent)
        for (weight, _, _), percent in zip(figures, percents, strict=True)
        if weight > 0 and percent is not None
    ]
    weight_total = sum((weight for weight, _ in counted), ZERO)
    if weight_total <= 0:
        return percents, None
    return percents, to_points(
        sum((weight * percent for weight, percent in counted), ZERO) / weight_total
    )


def _fill_totals(
    row: GradebookRow,
    columns: Iterable[GradebookAssignment],
    categories: list[GradebookCategory],
    *,
    weighted: bool,
) -> None:
    earned: dict[int | None, Decimal] = defaultdict(Decimal)
    possible: dict[int | None, Decimal] = defaultdict(Decimal)
    for column in columns:
        score = row.scores[column.id]
        if score is not None:
            earned[column.category_id] += score
            possible[column.category_id] += column.points_possible
    percents, row.total_percent = course_total(
        [(c.weight, earned[c.id], possible[c.id]) for c in categories], weighted=weighted
    )
    for category, percent in zip(categories, percents, strict=True):
        row.category_percents[category.id] = percent


@dataclass(frozen=True)
class ReleaseRow:
    student_id: int
    email: str
    name: str
    answers: int  # answers in the student's submitted attempts
    suggested: int  # waiting for a teacher's decision: never released as they are
    draft: int  # decided, ready to release
    released: int

    @property
    def ungraded(self) -> int:
        return self.answers - self.suggested - self.draft - self.released


@dataclass(frozen=True)
class ReleaseSummary:
    rows: list[ReleaseRow]

    @property
    def draft(self) -> int:
        return sum(row.draft for row in self.rows)

    @property
    def suggested(self) -> int:
        return sum(row.suggested for row in self.rows)

    @property
    def released(self) -> int:
        return sum(row.released for row in self.rows)

    @property
    def ungraded(self) -> int:
        return sum(row.ungraded for row in self.rows)


def release_summary(*, assignment: Assignment) -> ReleaseSummary:
    """Per student who submitted the assignment: answers and their grades by state. One query."""
    per_state = {
        str(state.value): Count("id", filter=Q(grade__state=state))
        for state in (GradeState.SUGGESTED, GradeState.DRAFT, GradeState.RELEASED)
    }
    figures = (
        Answer.objects.filter(
            submission__assignment=assignment, submission__status=Submission.Status.SUBMITTED
        )
        .values(
            "submission__student_id",
            "submission__student__email",
            "submission__student__display_name",
        )
        .annotate(answers=Count("id"), **per_state)
        .order_by("submission__student__email")
    )
    rows = [
        ReleaseRow(
            student_id=row["submission__student_id"],
            email=row["submission__student__email"],
            name=row["submission__student__display_name"] or row["submission__student__email"],
            answers=row["answers"],
            suggested=row["suggested"],
            draft=row["draft"],
            released=row["released"],
        )
        for row in figures
    ]
    return ReleaseSummary(rows)
