"""What a student sees of their own work: each published assignment with its status, due time,
attempts and released score, and their released grades per course with the course total.

Only released grades ever count here (and only released comments are read); a suggestion or a
draft never reaches these pages. The figures follow the teacher's gradebook
(`gradebook_for_course(released_only=True)`): the counted attempt per `attempt_scoring`, the late
penalty of that attempt, the missing-work policy once the student's due time has passed, and
Canvas's weighted total. A fixed number of queries, however many courses and attempts.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from lms.accounts.models import User
from lms.assignments.models import Assignment, Category, Extension, Question, Submission
from lms.assignments.pages import penalty_words
from lms.courses.models import Course, Enrollment
from lms.grading.late_policy import LatePolicy, late_penalty, missing_score
from lms.grading.models import Grade, GradeEvent, GradeSource, GradeState
from lms.grading.rules import to_points
from lms.grading.selectors import Attempt, SubmissionTotal, counted_attempt, course_total

ZERO = Decimal(0)

NOT_STARTED, DRAFT, SUBMITTED, LATE, GRADED = "not_started", "draft", "submitted", "late", "graded"
STATUS_LABELS = {
    NOT_STARTED: "Not started",
    DRAFT: "Draft",
    SUBMITTED: "Submitted",
    LATE: "Submitted late",
    GRADED: "Graded",
}


@dataclass
class StudentAssignment:
    """One published assignment as one student stands on it now."""

    assignment: Assignment  # with `course` and `category` loaded
    points_possible: Decimal
    due: datetime | None  # the student's own (extension included)
    lock: datetime | None
    allowed: int | None  # None: unlimited
    submitted: list[Submission] = field(default_factory=list)  # oldest first, annotated
    draft: Submission | None = None
    counted: Submission | None = None  # the attempt whose released grades count
    raw: Decimal | None = None  # released points of the counted attempt
    penalty: Decimal = ZERO
    score: Decimal | None = None  # what counts in the total: final score, or the missing score
    is_missing: bool = False  # scored by the missing-work policy
    penalty_text: str = ""
    comments: list[str] = field(default_factory=list)  # released comments of the counted attempt

    @property
    def used(self) -> int:
        return len(self.submitted)

    @property
    def left(self) -> int | None:
        return None if self.allowed is None else max(self.allowed - self.used, 0)

    @property
    def status(self) -> str:
        if self.counted is not None:
            return GRADED
        if self.draft is not None:
            return DRAFT
        if self.submitted:
            return LATE if self.submitted[-1].is_late else SUBMITTED
        return NOT_STARTED

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def partly_graded(self) -> bool:
        """Some answers of the counted attempt have no released grade yet."""
        counted = self.counted
        return counted is not None and counted.released_answers < counted.answer_count  # type: ignore[attr-defined]

    def is_overdue(self, now: datetime) -> bool:
        return not self.submitted and self.due is not None and now > self.due


def _possible() -> Coalesce:
    total = (
        Question.objects.filter(assignment=OuterRef("pk"))
        .order_by()
        .values("assignment")
        .annotate(total=Sum("points"))
        .values("total")
    )
    money: DecimalField[Decimal, Decimal] = DecimalField(max_digits=9, decimal_places=2)
    return Coalesce(Subquery(total, output_field=money), Value(ZERO), output_field=money)


def _assignments(student: User, course_ids: list[int]) -> list[Assignment]:
    extension = Extension.objects.filter(assignment=OuterRef("pk"), student=student)
    return list(
        Assignment.objects.filter(course_id__in=course_ids, is_published=True)
        .select_related("course", "category")
        .annotate(
            possible=_possible(),
            extension_due=Subquery(extension.values("due_at")[:1]),
            extension_lock=Subquery(extension.values("lock_at")[:1]),
            extension_extra=Subquery(
                extension.values("extra_attempts")[:1], output_field=IntegerField()
            ),
        )
        .order_by("course_id", "position", "due_at", "id")
    )


def _submissions(student: User, assignment_ids: list[int]) -> list[Submission]:
    released = Q(answers__grade__state=GradeState.RELEASED)
    model_feedback = GradeEvent.objects.filter(
        grade__answer__submission=OuterRef("pk"), source=GradeSource.MODEL
    )
    return list(
        Submission.objects.filter(student=student, assignment_id__in=assignment_ids)
        .annotate(
            released_raw=Sum("answers__grade__points", filter=released),
            released_answers=Count("answers__grade", filter=released),
            answer_count=Count("answers"),
            last_released_at=Max("answers__grade__released_at", filter=released),
            has_ai_feedback=Exists(model_feedback),
        )
        .order_by("assignment_id", "attempt")
    )


def _count(item: StudentAssignment, now: datetime) -> None:
    """Pick the counted attempt and its score, as the gradebook does with released grades."""
    a = item.assignment
    policy = LatePolicy.of(a)
    if not item.submitted:
        if item.due is not None and now > item.due:
            item.score = missing_score(points_possible=item.points_possible, policy=policy)
            item.is_missing = item.score is not None
        return
    attempts: list[Attempt] = []
    raws: dict[int, tuple[Submission, Decimal]] = {}  # attempt number -> (attempt, raw points)
    for sub in item.submitted:
        if not sub.released_answers:  # type: ignore[attr-defined]
            attempts.append((sub.attempt, None, ZERO))
            continue
        raw = to_points(sub.released_raw)  # type: ignore[attr-defined]
        penalty = late_penalty(
            score=raw, points_possible=item.points_possible, minutes=sub.minutes_late, policy=policy
        )
        attempts.append((sub.attempt, raw - penalty, penalty))
        raws[sub.attempt] = (sub, raw)
    chosen = counted_attempt(attempts, a.attempt_scoring)
    if chosen is None:
        return
    number, final, penalty = chosen
    if final is None:
        return  # the latest attempt counts even before it is graded
    sub, raw = raws[number]
    item.counted, item.raw, item.penalty, item.score = sub, raw, penalty, final
    sub.assignment = a  # penalty_words reads its late policy
    total = SubmissionTotal(
        points_possible=item.points_possible,
        raw=raw,
        late_penalty=penalty,
        final=final,
        graded_answers=sub.released_answers,  # type: ignore[attr-defined]
        ungraded_answers=sub.answer_count - sub.released_answers,  # type: ignore[attr-defined]
    )
    item.penalty_text = penalty_words(sub, total)


def student_assignments(
    *, student: User, course_ids: Iterable[int], now: datetime | None = None
) -> list[StudentAssignment]:
    """The student's standing on every published assignment of the courses: two queries."""
    now = now or timezone.now()
    assignments = _assignments(student, list(course_ids))
    by_assignment: dict[int, list[Submission]] = defaultdict(list)
    for sub in _submissions(student, [a.pk for a in assignments]):
        by_assignment[sub.assignment_id].append(sub)
    items = []
    for a in assignments:
        extra = a.extension_extra or 0  # type: ignore[attr-defined]
        item = StudentAssignment(
            assignment=a,
            points_possible=to_points(a.possible),  # type: ignore[attr-defined]
            due=a.extension_due or a.due_at,  # type: ignore[attr-defined]
            lock=a.extension_lock or a.lock_at,  # type: ignore[attr-defined]
            allowed=None if a.max_attempts is None else a.max_attempts + extra,
        )
        for sub in by_assignment[a.pk]:
            if sub.status == Submission.Status.SUBMITTED:
                item.submitted.append(sub)
            else:
                item.draft = sub
        _count(item, now)
        items.append(item)
    return items


def student_courses(*, student: User, course_id: int | None = None) -> list[Course]:
    """The courses the user is an active student of (one of them with `course_id`)."""
    enrollments = Enrollment.objects.filter(
        user=student, role=Enrollment.Role.STUDENT, is_active=True, course__is_archived=False
    )
    if course_id is not None:
        enrollments = enrollments.filter(course_id=course_id)
    return [
        e.course
        for e in enrollments.select_related("course").order_by("-course__term", "course__code")
    ]


@dataclass
class CategoryGrade:
    id: int | None  # None: the assignments without a category
    name: str
    weight: Decimal
    earned: Decimal = ZERO
    possible: Decimal = ZERO
    percent: Decimal | None = None


@dataclass
class CourseGrades:
    course: Course
    assignments: list[StudentAssignment]
    categories: list[CategoryGrade]
    weighted: bool
    total_percent: Decimal | None = None


def _totals(grades: CourseGrades) -> None:
    """Category percents and the course total, as `gradebook_for_course` computes them."""
    by_id = {c.id: c for c in grades.categories}
    for item in grades.assignments:
        if item.score is not None:
            category = by_id[item.assignment.category_id]
            category.earned += item.score
            category.possible += item.points_possible
    percents, grades.total_percent = course_total(
        [(c.weight, c.earned, c.possible) for c in grades.categories], weighted=grades.weighted
    )
    for category, percent in zip(grades.categories, percents, strict=True):
        category.percent = percent


def _released_comments(items: list[StudentAssignment]) -> None:
    counted = {item.counted.pk: item for item in items if item.counted is not None}
    rows = (
        Grade.objects.filter(answer__submission_id__in=list(counted), state=GradeState.RELEASED)
        .exclude(comment="")
        .order_by("answer__question__position", "answer__question_id")
        .values_list("answer__submission_id", "comment")
    )
    for submission_id, comment in rows:
        counted[submission_id].comments.append(comment)


def my_grades(
    *, student: User, course_id: int | None = None, now: datetime | None = None
) -> list[CourseGrades]:
    """The student's released grades per course (one course with `course_id`), with category
    weights, late penalties explained, released comments and the course total: five queries."""
    courses = student_courses(student=student, course_id=course_id)
    items = student_assignments(student=student, course_ids=[c.pk for c in courses], now=now)
    _released_comments(items)
    categories: dict[int, list[CategoryGrade]] = defaultdict(list)
    for row in Category.objects.filter(course__in=courses).order_by("position", "name"):
        categories[row.course_id].append(CategoryGrade(row.pk, row.name, row.weight))
    by_course: dict[int, list[StudentAssignment]] = defaultdict(list)
    for item in items:
        by_course[item.assignment.course_id].append(item)
    result = []
    for course in courses:
        course_items = by_course[course.pk]
        course_categories = categories[course.pk]
        if any(item.assignment.category_id is None for item in course_items):
            course_categories.append(CategoryGrade(None, "Uncategorised", ZERO))
        grades = CourseGrades(
            course=course,
            assignments=course_items,
            categories=course_categories,
            weighted=any(c.weight > 0 for c in course_categories),
        )
        _totals(grades)
        result.append(grades)
    return result
