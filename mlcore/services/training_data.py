"""The teacher's grades a training run learns from, and the held-out part that judges it."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import Any

from django.db.models import F, QuerySet

from lms.assignments.models import Question, Submission
from lms.grading.models import Grade, GradeEvent, GradeSource, GradeState
from mlcore.engine.inference import ScoreScale
from mlcore.engine.scoring_data import ScoringExample
from mlcore.screening import EMPTY, screen_answer

#: Fewer teacher grades than this teach a model nothing a teacher could trust.
MIN_TRAINING_GRADES = 8
HOLDOUT_FRACTION = 0.25
MIN_HOLDOUT = 2


class TrainingDataError(ValueError):
    """The question's teacher grades cannot train a model (too few, all the same)."""


def training_examples(question: Question) -> list[tuple[int, ScoringExample]]:
    """(answer id, example) of every teacher-decided grade of the question's submitted answers,
    by answer id, screened as the scoring path screens them (instructions to the grader removed).
    Blank answers are left out: scoring gives them the lowest score by rule."""
    rows = (
        Grade.objects.filter(
            answer__question=question,
            answer__submission__status=Submission.Status.SUBMITTED,
            source=GradeSource.TEACHER,
            state__in=(GradeState.DRAFT, GradeState.RELEASED),
        )
        .order_by("answer_id")
        .values_list("answer_id", "answer__text", "points")
    )
    references = tuple(r for r in question.reference_answers if r.strip())
    key_points = tuple(k for k in question.key_points if k.strip())
    screened = [(answer_id, screen_answer(text), points) for answer_id, text, points in rows]
    return [
        (
            answer_id,
            ScoringExample(
                question_id=str(question.pk),
                question=question.prompt,
                references=references,
                answer=item.text,
                score=float(points),
                example_id=str(answer_id),
                key_points=key_points,
            ),
        )
        for answer_id, item, points in screened
        if EMPTY not in item.flags
    ]


def teacher_decision_events() -> QuerySet[GradeEvent]:
    """Events in which a teacher decided an answer's points, on grades a teacher still owns: a
    move into draft by a teacher, except a retraction (released -> draft, same points)."""
    return GradeEvent.objects.filter(
        grade__answer__submission__status=Submission.Status.SUBMITTED,
        grade__source=GradeSource.TEACHER,
        grade__state__in=(GradeState.DRAFT, GradeState.RELEASED),
        source=GradeSource.TEACHER,
        to_state=GradeState.DRAFT,
    ).exclude(from_state=GradeState.RELEASED, from_points=F("to_points"))


def heldout_split(
    question_id: int, rows: Sequence[tuple[int, ScoringExample]]
) -> tuple[list[tuple[int, ScoringExample]], list[tuple[int, ScoringExample]]]:
    """(train, held out): the quarter of the answers whose hash of (question, answer) is lowest.

    The hash order of an answer never changes, so an answer held out once stays held out while
    the question gathers grades, unless newer answers push it into the training part.
    """

    def rank(row: tuple[int, ScoringExample]) -> str:
        return hashlib.sha256(f"{question_id}:{row[0]}".encode()).hexdigest()

    ordered = sorted(rows, key=rank)
    k = max(MIN_HOLDOUT, round(HOLDOUT_FRACTION * len(rows)))
    heldout = sorted(ordered[:k], key=lambda r: r[0])
    train = sorted(ordered[k:], key=lambda r: r[0])
    return train, heldout


def check_training_data(
    question: Question, rows: Sequence[tuple[int, ScoringExample]]
) -> ScoreScale:
    """The question's score scale (0 to its points, on the grades' grid); refuses unusable data."""
    if len(rows) < MIN_TRAINING_GRADES:
        raise TrainingDataError(
            f"Not enough teacher grades to train: this question has {len(rows)} teacher-graded "
            f"answers and needs at least {MIN_TRAINING_GRADES}."
        )
    scores = {ex.score for _, ex in rows}
    if len(scores) < 2:
        raise TrainingDataError(
            f"All {len(rows)} teacher grades are {scores.pop():g} points: a model needs at "
            "least two different scores to learn from."
        )
    return ScoreScale.infer([*scores, 0.0, float(question.points)])


def finite_json(value: Any) -> Any:
    """JSON that PostgreSQL accepts: NaN and infinities (a constant Pearson, say) become None."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [finite_json(v) for v in value]
    return value
