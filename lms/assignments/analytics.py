"""Assignment analytics for its teachers: how the class scored, which questions were hard or
failed to separate strong from weak work, and how often the AI agreed with the teacher.

    stats = assignment_analytics(assignment=a)   # queries: a fixed number, plus 4 per text question
    stats.histogram        # 10 bins of total percent, each with its SVG bar geometry
    stats.questions[0].facility, .discrimination, .agreement

Each student counts with one attempt, the one the gradebook counts (the latest, or the highest
when the assignment keeps the highest). Totals are raw points before any late penalty, over the
students whose counted attempt is fully graded (teacher and rule decisions: drafts and released
grades; AI suggestions nobody has decided yet never count).

- **Facility** (classical item analysis): mean points over the question's points, 0-1; a low
  value is a hard question.
- **Discrimination**: the corrected item-total correlation (Pearson between the question's points
  and the rest of the total) over fully graded students; below 0.2 separates poorly, below 0 the
  question favours weaker students (check the key or the wording).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from lms.assignments.models import Assignment, Question, Submission
from lms.courses.selectors import active_student_ids
from lms.grading.models import Grade
from lms.grading.selectors import counted_states
from mlcore.selectors.review import Agreement, agreement_for_question

BINS = 10
CHART_WIDTH, CHART_HEIGHT = 560, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 40
MIN_STUDENTS_FOR_CORRELATION = 3
POOR_DISCRIMINATION = 0.2


@dataclass(frozen=True)
class Bin:
    label: str  # "40-50%"
    count: int
    x: float  # SVG geometry of the bar
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Histogram:
    bins: list[Bin]
    y_ticks: list[tuple[float, int]]  # (SVG y, count)
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT
    left: int = LEFT
    top: int = TOP
    right_edge: int = CHART_WIDTH - RIGHT
    bottom_edge: int = CHART_HEIGHT - BOTTOM


@dataclass(frozen=True)
class QuestionStats:
    question: Question
    graded: int  # students whose counted attempt has a decided grade on this question
    mean_points: Decimal | None
    facility: float | None  # 0-1
    discrimination: float | None  # corrected item-total correlation
    agreement: Agreement | None  # text questions: the active version's (or the fallback's)

    @property
    def discrimination_note(self) -> str:
        if self.discrimination is None:
            return ""
        if self.discrimination < 0:
            return "favours weaker students: check the key"
        if self.discrimination < POOR_DISCRIMINATION:
            return "separates poorly"
        return ""


@dataclass(frozen=True)
class AssignmentAnalytics:
    assignment: Assignment
    points_possible: Decimal
    students: int  # active students of the course
    submitted: int  # students with a submitted attempt
    fully_graded: int  # students whose counted attempt has every question decided
    mean_percent: float | None
    median_percent: float | None
    histogram: Histogram
    questions: list[QuestionStats]


def _counted_attempts(
    assignment: Assignment, points: dict[int, dict[int, Decimal]]
) -> dict[int, int]:
    """student id -> the submission id the gradebook counts."""
    attempts: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for sub_id, student_id, attempt in Submission.objects.filter(
        assignment=assignment, status=Submission.Status.SUBMITTED
    ).values_list("id", "student_id", "attempt"):
        attempts[student_id].append((attempt, sub_id))
    chosen = {}
    for student_id, rows in attempts.items():
        if assignment.attempt_scoring == Assignment.AttemptScoring.HIGHEST:
            graded = [row for row in rows if points.get(row[1])]
            if graded:
                chosen[student_id] = max(
                    graded, key=lambda row: (sum(points[row[1]].values()), row[0])
                )[1]
                continue
        chosen[student_id] = max(rows)[1]
    return chosen


def _pearson(xs: Sequence[float], ys: Sequence[float]) -> float | None:
    if len(xs) < MIN_STUDENTS_FOR_CORRELATION:
        return None
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    sxy = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mx) ** 2 for x in xs)
    syy = sum((y - my) ** 2 for y in ys)
    if sxx <= 0 or syy <= 0:
        return None  # everyone scored the same: nothing to separate
    return sxy / math.sqrt(sxx * syy)


def _histogram(percents: Sequence[float]) -> Histogram:
    counts = [0] * BINS
    for percent in percents:
        counts[min(BINS - 1, max(0, int(percent // (100 / BINS))))] += 1
    top = max([*counts, 1])
    plot_width = CHART_WIDTH - LEFT - RIGHT
    plot_height = CHART_HEIGHT - TOP - BOTTOM
    step = plot_width / BINS
    bins = []
    for i, count in enumerate(counts):
        height = plot_height * count / top
        bins.append(
            Bin(
                label=f"{i * 10}-{(i + 1) * 10}%",
                count=count,
                x=round(LEFT + i * step + 2, 1),
                y=round(TOP + plot_height - height, 1),
                width=round(step - 4, 1),
                height=round(height, 1),
            )
        )
    tick_values = sorted({0, top // 2, top})
    ticks = [(round(TOP + plot_height * (1 - v / top), 1), v) for v in tick_values]
    return Histogram(bins, ticks)


def _agreement(question: Question) -> Agreement | None:
    if not question.is_text:
        return None
    agreement = agreement_for_question(question=question)
    return agreement.active or agreement.by_version[-1]


def assignment_analytics(*, assignment: Assignment) -> AssignmentAnalytics:
    """Everything the analytics page shows; the number of queries does not grow with students."""
    questions = list(assignment.questions.order_by("position", "id"))
    possible = sum((q.points for q in questions), Decimal(0))
    points: dict[int, dict[int, Decimal]] = defaultdict(dict)  # submission -> question -> points
    for sub_id, question_id, value in Grade.objects.filter(
        answer__submission__assignment=assignment,
        answer__submission__status=Submission.Status.SUBMITTED,
        state__in=counted_states(released_only=False),
    ).values_list("answer__submission_id", "answer__question_id", "points"):
        points[sub_id][question_id] = value
    counted = _counted_attempts(assignment, points)
    students = active_student_ids(course=assignment.course)
    enrolled = set(students)
    counted = {s: sub for s, sub in counted.items() if s in enrolled}
    complete = [
        points[sub] for sub in counted.values() if len(points.get(sub, {})) == len(questions)
    ]
    totals = [float(sum(row.values())) for row in complete]
    percents = [100 * t / float(possible) for t in totals] if possible > 0 else []
    stats = []
    for question in questions:
        values = [
            row[question.pk] for sub in counted.values() if question.pk in (row := points[sub])
        ]
        mean = sum(values, Decimal(0)) / len(values) if values else None
        item = [float(row[question.pk]) for row in complete]
        rest = [total - own for total, own in zip(totals, item, strict=True)]
        stats.append(
            QuestionStats(
                question=question,
                graded=len(values),
                mean_points=mean.quantize(Decimal("0.01")) if mean is not None else None,
                facility=float(mean / question.points)
                if mean is not None and question.points > 0
                else None,
                discrimination=_pearson(item, rest) if len(questions) > 1 else None,
                agreement=_agreement(question),
            )
        )
    return AssignmentAnalytics(
        assignment=assignment,
        points_possible=possible,
        students=len(students),
        submitted=len(counted),
        fully_graded=len(complete),
        mean_percent=statistics.fmean(percents) if percents else None,
        median_percent=statistics.median(percents) if percents else None,
        histogram=_histogram(percents),
        questions=stats,
    )
