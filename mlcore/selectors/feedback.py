"""The AI feedback on a submission, as the viewer may see it (student pages and teacher pages).

    feedback = feedback_for_submission(submission=submission, viewer=request.user)
    feedback.pending            # some feedback the viewer may see is still being computed: poll
    for item in feedback.answers:         # one per text answer, in question order
        item.status             # "ready" | "pending" | "hidden" (student, before release)
        item.label, item.basis  # "AI feedback, provisional" / "no trained model yet: ..."
        item.score, item.low, item.high, item.max_points
        item.key_points         # met and missed; met ones carry the student's own sentence
        item.segments           # the answer cut into pieces, evidence marked: for <mark>
        item.advice, item.notices

The student who wrote it sees it at once when the course shows AI feedback immediately (labelled
provisional until the grade is released), otherwise once the grade is released; never the model's
internals. Teachers and TAs see everything, including the confidence, the version, the flags and
the similar graded answers themselves. Anyone else is refused. Five queries at most, however many
answers, versions and similar answers there are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied

from lms.accounts.models import User
from lms.assignments.models import Answer, Submission
from lms.courses.models import Course
from lms.courses.selectors import can_grade_course
from lms.grading.models import GradeState
from mlcore.models import ModelVersion, Prediction
from mlcore.screening import EMPTY, INSTRUCTION, LANGUAGE, NO_REFERENCE, TRUNCATED
from mlcore.services.scoring import TEXT_KINDS

Status = Literal["ready", "pending", "hidden"]

LABEL_PROVISIONAL = "AI feedback, provisional"
LABEL_RELEASED = "AI feedback"
LABEL_TEACHER = "AI suggestion"
BASIS_SIMILARITY = (
    "No trained model yet: scored by similarity to the reference answer and key points."
)
NOTICES = {
    EMPTY: "The answer is empty.",
    TRUNCATED: "The answer is long: the AI read only its beginning.",
    LANGUAGE: "The answer seems not to be in English. The AI reads English only, so the "
    "teacher will look at it.",
    INSTRUCTION: "Part of the answer spoke to the grader; the AI left it out of its reading.",
    NO_REFERENCE: "The question has no reference answer or key points to compare with.",
}


@dataclass(frozen=True)
class KeyPoint:
    key_point: str
    met: bool
    evidence: str = ""
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Segment:
    """A piece of the answer; `key_points` names those it is evidence for (empty: plain text)."""

    text: str
    key_points: tuple[str, ...] = ()


@dataclass(frozen=True)
class SimilarAnswer:
    """A teacher-graded answer close to this one: teachers only."""

    answer_id: int
    similarity: float
    text: str
    points: Decimal | None
    comment: str
    student: str


@dataclass(frozen=True)
class AnswerFeedback:
    answer: Answer
    status: Status
    max_points: Decimal
    label: str = ""
    basis: str = ""
    score: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    key_points: list[KeyPoint] = field(default_factory=list)
    segments: list[Segment] = field(default_factory=list)
    advice: str = ""
    notices: list[str] = field(default_factory=list)
    # Teachers only (None or empty for students).
    confidence: float | None = None
    model: str = ""
    flags: list[str] = field(default_factory=list)
    similar: list[SimilarAnswer] = field(default_factory=list)
    latency_ms: float | None = None


@dataclass(frozen=True)
class SubmissionFeedback:
    audience: Literal["student", "teacher"]
    answers: list[AnswerFeedback]

    @property
    def pending(self) -> bool:
        return any(item.status == "pending" for item in self.answers)

    def for_answer(self, answer_id: int) -> AnswerFeedback | None:
        return next((item for item in self.answers if item.answer.pk == answer_id), None)


def feedback_for_submission(*, submission: Submission, viewer: User) -> SubmissionFeedback:
    """The AI feedback on each text answer of `submission` that `viewer` may see."""
    answers = list(
        Answer.objects.filter(submission_id=submission.pk, question__kind__in=TEXT_KINDS)
        .select_related("question", "grade", "submission__assignment__course")
        .order_by("question__position", "question_id")
    )
    course = answers[0].submission.assignment.course if answers else _course(submission)
    teacher = _audience(submission, viewer, course)
    chosen = _chosen_predictions(answers)
    similar = _similar_answers(chosen.values()) if teacher else {}
    items = [
        _teacher_item(a, chosen.get(a.pk), similar)
        if teacher
        else _student_item(a, chosen.get(a.pk), course)
        for a in answers
    ]
    return SubmissionFeedback("teacher" if teacher else "student", items)


def _course(submission: Submission) -> Course:
    return Course.objects.get(assignments__submissions=submission.pk)


def _audience(submission: Submission, viewer: User, course: Course) -> bool:
    """True for the course's graders, False for the student who submitted; others are refused."""
    if viewer.is_authenticated and submission.student_id == viewer.pk:
        return False
    if can_grade_course(user=viewer, course=course):
        return True
    raise PermissionDenied("Only the student and the course's teachers see this feedback.")


def _chosen_predictions(answers: Sequence[Answer]) -> dict[int, Prediction]:
    """Per answer: the prediction of its question's active version (of the fallback when there
    is none), else the newest one; a rescore in progress thus shows the previous one."""
    question_ids = {a.question_id for a in answers}
    active = dict(
        ModelVersion.objects.filter(
            scoring_model__question_id__in=question_ids, is_active=True
        ).values_list("scoring_model__question_id", "pk")
    )
    question_of = {a.pk: a.question_id for a in answers}
    chosen: dict[int, Prediction] = {}
    rows = Prediction.objects.filter(answer_id__in=question_of).select_related("version")
    for row in rows.order_by("answer_id", "-created_at", "-pk"):  # newest first
        wanted = active.get(question_of[row.answer_id])
        current = chosen.get(row.answer_id)
        if current is None or (row.version_id == wanted and current.version_id != wanted):
            chosen[row.answer_id] = row
    return chosen


def _student_item(answer: Answer, prediction: Prediction | None, course: Course) -> AnswerFeedback:
    grade = getattr(answer, "grade", None)
    released = grade is not None and grade.state == GradeState.RELEASED
    immediate = course.ai_feedback == Course.AIFeedback.IMMEDIATE
    if not (released or immediate):
        return AnswerFeedback(answer, "hidden", answer.question.points)
    if prediction is None:
        return AnswerFeedback(answer, "pending", answer.question.points)
    label = LABEL_RELEASED if released else LABEL_PROVISIONAL
    return AnswerFeedback(
        answer, "ready", answer.question.points, **_shared(answer, prediction, label)
    )


def _teacher_item(
    answer: Answer, prediction: Prediction | None, similar: dict[int, Answer]
) -> AnswerFeedback:
    if prediction is None:
        return AnswerFeedback(answer, "pending", answer.question.points)
    version = prediction.version
    neighbours = [
        _similar(similar[item["answer_id"]], item["similarity"])
        for item in prediction.similar
        if item["answer_id"] in similar
    ]
    return AnswerFeedback(
        answer,
        "ready",
        answer.question.points,
        **_shared(answer, prediction, LABEL_TEACHER),
        confidence=prediction.confidence,
        model=f"v{version.number} · {version.family}" if version else "similarity",
        flags=list(prediction.flags),
        similar=neighbours,
        latency_ms=prediction.latency_ms,
    )


def _shared(answer: Answer, prediction: Prediction, label: str) -> dict[str, Any]:
    key_points = [_key_point(k) for k in prediction.key_points]
    return {
        "label": label,
        "basis": BASIS_SIMILARITY if prediction.version_id is None else "",
        "score": prediction.score,
        "low": prediction.low,
        "high": prediction.high,
        "key_points": key_points,
        "segments": segments(answer.text, key_points),
        "advice": prediction.advice,
        "notices": [NOTICES[f] for f in prediction.flags if f in NOTICES],
    }


def _key_point(item: dict[str, Any]) -> KeyPoint:
    evidence = item.get("evidence") if item.get("met") else None
    if not evidence:
        return KeyPoint(item["key_point"], bool(item.get("met")))
    return KeyPoint(item["key_point"], True, evidence["text"], evidence["start"], evidence["end"])


def segments(text: str, key_points: Sequence[KeyPoint]) -> list[Segment]:
    """`text` cut at the evidence spans of the met key points; overlapping spans merge."""
    marks: dict[int, set[str]] = {}
    for point in key_points:
        if point.start is None or point.end is None or point.end > len(text):
            continue
        for i in range(point.start, point.end):
            marks.setdefault(i, set()).add(point.key_point)
    out: list[Segment] = []
    start = 0
    for i in range(1, len(text) + 1):
        if i == len(text) or marks.get(i) != marks.get(start):
            out.append(Segment(text[start:i], tuple(sorted(marks.get(start, ())))))
            start = i
    return out


def _similar_answers(predictions: Any) -> dict[int, Answer]:
    ids = {item["answer_id"] for p in predictions for item in p.similar}
    if not ids:
        return {}
    rows = Answer.objects.filter(pk__in=ids).select_related("grade", "submission__student")
    return {a.pk: a for a in rows}


def _similar(answer: Answer, similarity: float) -> SimilarAnswer:
    grade = getattr(answer, "grade", None)
    student = answer.submission.student
    return SimilarAnswer(
        answer_id=answer.pk,
        similarity=similarity,
        text=answer.text,
        points=grade.points if grade else None,
        comment=grade.comment if grade else "",
        student=student.display_name or student.email,
    )
