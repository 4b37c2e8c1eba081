"""What a teacher reviews: a question's grading queue, and how well the model agrees with them.

    queue = grading_queue(question=q, order="least_certain", state="review")
    for item in queue.items: item.answer, item.grade, item.prediction, item.cluster
    agreement_for_question(question=q).active   # n, exact, within one point, QWK

Both cost the same number of queries whatever the class size. Cluster order embeds the answers
with the shared sentence encoder: once per text (cached by its hash), and the clustering once per
set of answers (cached by their ids and text hashes), so a page reload costs neither again.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import pairwise
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When

from lms.assignments.models import Answer, Criterion, Question, Submission
from lms.grading.models import Grade, GradeEvent, GradeSource, GradeState
from mlcore.engine.encoders import TextEncoder, get_encoder
from mlcore.engine.metrics import qwk
from mlcore.models import ModelVersion, Prediction, ScoringModel
from mlcore.selectors.clusters import answer_clusters
from mlcore.services.review import DECISION_REASONS

ORDERS = {
    "position": "In the order they were submitted",
    "cluster": "By cluster of similar answers",
    "least_certain": "Least certain AI suggestion first",
}
STATES = {
    "review": "Needs review: suggested or not graded",
    "suggested": "Suggested, not decided",
    "ungraded": "Not graded",
    "decided": "Decided by a teacher",
    "all": "All answers",
}
STATE_LABELS = {"suggested": "Suggested", "ungraded": "Not graded", "decided": "Decided"}
FLAG_LABELS = {
    "empty": "The answer is empty.",
    "truncated": "The answer was cut to the length the model reads.",
    "language": "Mostly not in English: the model is less reliable here.",
    "instruction_to_grader": "It contains instructions to the grader; they were ignored.",
    "no_reference": "The question has no reference answer or key points to compare with.",
}
DECIDED_STATES = (GradeState.DRAFT, GradeState.RELEASED)
#: Answers drawn per page: each comes with its forms, the costly part of the page to render.
PER_PAGE = 50


@dataclass(frozen=True)
class Segment:
    """A piece of an answer's text; `key_points` numbers (from 1) the key points it is evidence
    for, empty for plain text."""

    text: str
    key_points: tuple[int, ...] = ()


@dataclass(frozen=True)
class SimilarAnswer:
    answer_id: int
    text: str
    points: str
    similarity: float


@dataclass
class QueueItem:
    answer: Answer  # with `submission` and `submission.student` loaded
    grade: Grade | None
    prediction: Prediction | None  # the active version's, else the newest
    cluster: int | None = None
    similar: list[SimilarAnswer] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def flags(self) -> list[str]:
        """What the scoring noticed about the answer, in words."""
        flags = self.prediction.flags if self.prediction else []
        return [FLAG_LABELS.get(flag, flag.replace("_", " ")) for flag in flags]

    @property
    def segments(self) -> list[Segment]:
        """The answer's text with the evidence of the key points it met marked."""
        key_points = self.prediction.key_points if self.prediction else []
        return evidence_segments(self.answer.text, key_points)

    @property
    def state(self) -> str:
        """One of "suggested", "ungraded", "decided"."""
        if self.grade is None:
            return "ungraded"
        return "suggested" if self.grade.state == GradeState.SUGGESTED else "decided"

    def matches(self, state: str) -> bool:
        if state == "all":
            return True
        if state == "review":
            return self.state in ("suggested", "ungraded")
        return self.state == state


@dataclass
class QueueCluster:
    index: int  # 0 is the largest cluster of the whole question
    label: str  # its most central answer, shortened
    size: int  # answers of the question in it, whatever the state filter
    items: list[QueueItem] = field(default_factory=list)

    @property
    def suggested(self) -> list[QueueItem]:
        """The items shown with a suggestion to decide: what "accept them all" accepts."""
        return [item for item in self.items if item.state == "suggested"]


@dataclass
class GradingQueue:
    question: Question
    order: str
    state: str
    items: list[QueueItem]  # this page of the filtered answers, in the chosen order
    clusters: list[QueueCluster]  # cluster order only: the same items, grouped
    counts: dict[str, int]  # answers per state filter, over the whole question
    page: Page[QueueItem] | None = None  # where `items` sit among all the filtered answers
    scoring_model: ScoringModel | None = None  # None until the question is first scored
    criteria: list[Criterion] = field(default_factory=list)  # the rubric, levels prefetched

    @property
    def suggestions_enabled(self) -> bool:
        return self.scoring_model is None or self.scoring_model.suggestions_enabled


def evidence_segments(text: str, key_points: Sequence[dict[str, Any]]) -> list[Segment]:
    """Split `text` at the evidence spans of the met key points (a prediction's `key_points`).

    Spans that no longer fit the text (it was edited since) are ignored; overlapping spans are
    cut into pieces that each name every key point they support.
    """
    bounds = {0, len(text)}
    spans: list[tuple[int, int, int]] = []
    for number, point in enumerate(key_points, start=1):
        evidence = point.get("evidence") if point.get("met") else None
        if not isinstance(evidence, dict):
            continue
        start, end = evidence.get("start"), evidence.get("end")
        if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
            continue
        if text[start:end] != evidence.get("text"):
            continue
        spans.append((start, end, number))
        bounds |= {start, end}
    cuts = sorted(bounds)
    segments = []
    for a, b in pairwise(cuts):
        numbers = tuple(sorted({n for s, e, n in spans if s <= a and b <= e}))
        segments.append(Segment(text[a:b], numbers))
    return segments


def question_number(question: Question) -> int:
    """The question's number in its assignment as pages show it (1 for the first)."""
    before = Q(position__lt=question.position) | Q(position=question.position, pk__lt=question.pk)
    return 1 + Question.objects.filter(before, assignment_id=question.assignment_id).count()


def _encoder() -> TextEncoder:
    return get_encoder("onnx")


def _answers(question: Question, answer_id: int | None = None) -> list[Answer]:
    """Submitted answers with their student, grade and chosen prediction id: one query."""
    # The active version's prediction when there is one, else the newest (a fallback, or an
    # older version's made before the teacher graded the answer).
    best_prediction = (
        Prediction.objects.filter(answer=OuterRef("pk"))
        .annotate(
            rank=Case(
                When(version__is_active=True, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "-created_at", "-id")
        .values("id")[:1]
    )
    answers = Answer.objects.filter(
        question=question, submission__status=Submission.Status.SUBMITTED
    )
    if answer_id is not None:
        answers = answers.filter(pk=answer_id)
    return list(
        answers.select_related("submission__student", "grade__graded_by")
        .prefetch_related("grade__levels")
        .annotate(prediction_id=Subquery(best_prediction))
        .order_by("submission__submitted_at", "submission_id", "id")
    )


def _items(question: Question, answer_id: int | None = None) -> list[QueueItem]:
    answers = _answers(question, answer_id)
    ids = [a.prediction_id for a in answers if a.prediction_id is not None]  # type: ignore[attr-defined]
    predictions = Prediction.objects.select_related("version").in_bulk(ids)
    items = []
    for answer in answers:
        grade = getattr(answer, "grade", None)  # reverse one-to-one: absent when no grade
        prediction = predictions.get(answer.prediction_id)  # type: ignore[attr-defined]
        items.append(QueueItem(answer, grade, prediction))
    return items


def _add_similar(items: list[QueueItem]) -> None:
    """The graded answers each prediction found similar, with their text: one query for all."""
    wanted = {
        int(row["answer_id"])
        for item in items
        if item.prediction is not None
        for row in item.prediction.similar
        if isinstance(row, dict) and "answer_id" in row
    }
    texts = dict(Answer.objects.filter(pk__in=wanted).values_list("pk", "text")) if wanted else {}
    for item in items:
        rows = item.prediction.similar if item.prediction is not None else []
        item.similar = [
            SimilarAnswer(
                int(row["answer_id"]),
                texts[int(row["answer_id"])],
                str(row.get("points", "")),
                float(row.get("similarity", 0.0)),
            )
            for row in rows
            if isinstance(row, dict) and int(row.get("answer_id", 0)) in texts
        ]


def _least_certain_key(item: QueueItem) -> tuple[float, float]:
    # An answer the model has not scored is the least certain of all: nothing is known of it.
    prediction = item.prediction
    if prediction is None:
        return (-1.0, 0.0)
    width = float(prediction.high - prediction.low)
    return (prediction.confidence, -width)


def _group(items: list[QueueItem], clusters: dict[int, tuple[int, str]]) -> list[QueueCluster]:
    sizes: dict[int, int] = defaultdict(int)
    for index, _ in clusters.values():
        sizes[index] += 1
    groups: dict[int, QueueCluster] = {}
    for item in items:
        index, label = clusters[item.answer.pk]
        item.cluster = index
        group = groups.setdefault(index, QueueCluster(index, label, sizes[index]))
        group.items.append(item)
    return [groups[i] for i in sorted(groups)]


def grading_queue(
    *,
    question: Question,
    order: str = "position",
    state: str = "review",
    page: int | str = 1,
    per_page: int | None = None,
    encoder: Callable[[], TextEncoder] = _encoder,
) -> GradingQueue:
    """One page of the question's submitted answers in `state` (see `STATES`), in `order` (see
    `ORDERS`), each with its grade and the prediction to show. Unknown values raise
    `ValueError`; a page out of range gives the nearest page."""
    if order not in ORDERS or state not in STATES:
        raise ValueError(f"unknown queue order {order!r} or state {state!r}")
    everything = _items(question)
    counts = {s: sum(item.matches(s) for item in everything) for s in STATES}
    items = [item for item in everything if item.matches(state)]
    found: dict[int, tuple[int, str]] = {}
    if order == "least_certain":
        items.sort(key=_least_certain_key)  # stable: submission order breaks ties
    elif order == "cluster" and everything:
        # Clusters of the whole question, so that they stay put while answers leave the filter.
        found = answer_clusters([item.answer for item in everything], encoder())
        items = [item for group in _group(items, found) for item in group.items]
    # The whole queue is ordered (it is cheap); only one page is drawn (forms are not).
    shown = Paginator(items, per_page or PER_PAGE).get_page(page)
    clusters = _group(list(shown), found) if found else []
    queue = GradingQueue(question, order, state, list(shown), clusters, counts, shown)
    return _finish(queue)


def grading_queue_item(*, question: Question, answer_id: int) -> GradingQueue | None:
    """The queue of one submitted answer of the question (a row to redraw); `None` if the
    question has no such answer."""
    items = _items(question, answer_id)
    if not items:
        return None
    return _finish(GradingQueue(question, "position", "all", items, [], {}))


def suggested_grades(*, question: Question, answer_ids: Sequence[int]) -> list[Grade]:
    """The suggested grades of these answers of the question (others are left out)."""
    return list(
        Grade.objects.filter(
            answer_id__in=answer_ids,
            answer__question=question,
            answer__submission__status=Submission.Status.SUBMITTED,
            state=GradeState.SUGGESTED,
        )
    )


def _finish(queue: GradingQueue) -> GradingQueue:
    """Add what the page shows beside the answers: similar answers, settings, rubric."""
    _add_similar(queue.items)
    queue.scoring_model = ScoringModel.objects.filter(question=queue.question).first()
    queue.criteria = list(queue.question.criteria.prefetch_related("levels"))
    return queue


# --- Agreement between the model and the teacher ----------------------------------------------

_STEPS = tuple(Decimal(s) for s in ("1", "0.5", "0.25", "0.2", "0.1", "0.05", "0.01"))


def points_step(values: Sequence[Decimal]) -> Decimal:
    """The coarsest grid (1, 0.5, 0.25, ... 0.01 points) on which every value lies."""
    for step in _STEPS:
        if all(v % step == 0 for v in values):
            return step
    return _STEPS[-1]


@dataclass(frozen=True)
class Agreement:
    version_id: int | None  # None: the similarity fallback (no trained model yet)
    version_number: int | None
    is_active: bool
    n: int  # answers with both this prediction and a teacher's grade
    exact: float | None  # shares, 0-1; None when n is 0
    within_one: float | None
    qwk: float | None

    @property
    def label(self) -> str:
        return f"Version {self.version_number}" if self.version_id else "Similarity fallback"


@dataclass(frozen=True)
class QuestionAgreement:
    by_version: list[Agreement]  # newest version first; the similarity fallback last
    active: Agreement | None
    decisions: dict[str, int]  # suggestions accepted, edited, rejected (GradeEvents)


def _agreement(
    pairs: list[tuple[Decimal, Decimal]], max_points: Decimal
) -> tuple[float | None, float | None, float | None]:
    """Exact, within one point and QWK of (teacher, model) points pairs."""
    if not pairs:
        return None, None, None
    teacher = [t for t, _ in pairs]
    model = [min(max(m, Decimal(0)), max_points) for _, m in pairs]
    exact = sum(t == m for t, m in zip(teacher, model, strict=True)) / len(pairs)
    within = sum(abs(t - m) <= 1 for t, m in zip(teacher, model, strict=True)) / len(pairs)
    step = points_step([*teacher, *model, max_points])
    # QWK on the question's points grid: the ratings are grid positions from 0 to full points.
    a = [int(t / step) for t in teacher]
    b = [int(m / step) for m in model]
    return exact, within, qwk(a, b, min_rating=0, max_rating=int(max_points / step))


def agreement_for_question(
    *, question: Question, version: ModelVersion | None = None
) -> QuestionAgreement:
    """How often each version's predictions (and the fallback's) match the teacher's grades.

    Only answers a teacher decided count; a prediction made after that decision (a version
    trained on it) is left out, so the figures are what the teacher saw or would have seen.
    `version` limits the rows to that version.
    """
    teacher_points = dict(
        Grade.objects.filter(
            answer__question=question,
            answer__submission__status=Submission.Status.SUBMITTED,
            source=GradeSource.TEACHER,
            state__in=DECIDED_STATES,
        ).values_list("answer_id", "points")
    )
    predictions = Prediction.objects.filter(
        answer__question=question,
        answer__submission__status=Submission.Status.SUBMITTED,
        answer__grade__source=GradeSource.TEACHER,
        answer__grade__state__in=DECIDED_STATES,
    )
    versions = ModelVersion.objects.filter(scoring_model__question=question).order_by("-number")
    if version is not None:
        predictions = predictions.filter(version=version)
        versions = versions.filter(pk=version.pk)
    pairs: dict[int | None, list[tuple[Decimal, Decimal]]] = defaultdict(list)
    for answer_id, version_id, score, made_at, graded_at in predictions.values_list(
        "answer_id", "version_id", "score", "created_at", "answer__grade__updated_at"
    ):
        if made_at <= graded_at:
            pairs[version_id].append((teacher_points[answer_id], score))
    rows = []
    for v in versions.values("id", "number", "is_active"):
        figures = _agreement(pairs[v["id"]], question.points)
        rows.append(Agreement(v["id"], v["number"], v["is_active"], len(pairs[v["id"]]), *figures))
    if version is None:
        rows.append(
            Agreement(
                None, None, False, len(pairs[None]), *_agreement(pairs[None], question.points)
            )
        )
    active = next((row for row in rows if row.is_active), None)
    return QuestionAgreement(rows, active, _decisions(question))


def _decisions(question: Question) -> dict[str, int]:
    reasons = {reason: name for name, reason in DECISION_REASONS.items()}
    counted = (
        GradeEvent.objects.filter(grade__answer__question=question, reason__in=list(reasons))
        .values("reason")
        .annotate(n=Count("id"))
    )
    found = {reasons[row["reason"]]: row["n"] for row in counted}
    return {name: found.get(name, 0) for name in DECISION_REASONS}
