"""Scoring submitted text answers: predictions, feedback and suggested grades (issue 4).

`submission_score` is the body of `mlcore.score_submission`, `question_rescore` that of
`mlcore.rescore_question`, and `submissions_unscored` feeds the sweep of lost messages.

Per question, one batch: the answers are screened (`mlcore.screening`: blank, not English,
instructions to the grader removed), scored by the question's active READY version in ONE
`predict` call, or by the reference-similarity fallback (`mlcore.fallback`) when it has none;
key points met and missed come from ONE `key_point_coverage_many` call; the nearest
teacher-graded answers and the advice drawn from the teacher's comments on them come last.

Idempotent: an answer that already has a prediction from this version (or from the fallback)
with the same `input_hash` is skipped. The rows are written under a lock on the answers, so a
duplicate delivery racing this one waits, finds them and writes nothing; the unique constraints
on `Prediction` hold whatever happens.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import groupby

import numpy as np
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from lms.assignments.models import Answer, Question, Submission
from lms.grading.models import Grade, GradeSource, GradeState
from lms.grading.services import grade_suggest
from mlcore import runtime
from mlcore.advice import Neighbours, neighbours_for
from mlcore.engine.feedback import Coverage, key_point_coverage_many
from mlcore.engine.inference import FittedScorer
from mlcore.fallback import CENTS, fallback_score
from mlcore.models import ModelVersion, Prediction, ScoringModel
from mlcore.screening import (
    EMPTY,
    INSTRUCTION,
    LANGUAGE,
    NO_REFERENCE,
    TRUNCATED,
    Screened,
    screen_answer,
)

TEXT_KINDS = (Question.Kind.SHORT_TEXT, Question.Kind.ESSAY)
#: Part of every input hash: bump it when the scoring recipe changes, so answers get rescored.
RECIPE = "1"
RESCORE_BATCH = 64
UNSCORED_LIMIT = 500
#: Confidence is multiplied by these when the flag is set (the score itself is kept).
CONFIDENCE_FACTORS = {LANGUAGE: 0.5, INSTRUCTION: 0.5, TRUNCATED: 0.8}


@dataclass(frozen=True)
class _Score:
    score: Decimal
    low: Decimal
    high: Decimal
    confidence: float
    flags: tuple[str, ...] = ()


def submission_score(*, submission_id: int) -> int:
    """Score every text answer of a submitted submission; return the predictions written."""
    answers = list(
        Answer.objects.filter(
            submission_id=submission_id,
            submission__status=Submission.Status.SUBMITTED,
            question__kind__in=TEXT_KINDS,
        )
        .select_related("question")
        .order_by("question__position", "question_id")
    )
    written = 0
    for _, group in groupby(answers, key=lambda a: a.question_id):
        batch = list(group)
        written += _score_group(batch[0].question, batch)
    return written


def question_rescore(*, scoring_model_id: int) -> int:
    """Rescore the question's answers that no teacher decided yet with its active version."""
    scoring_model = (
        ScoringModel.objects.select_related("question").filter(pk=scoring_model_id).first()
    )
    if scoring_model is None:
        return 0
    ids = list(
        Answer.objects.filter(
            question_id=scoring_model.question_id, submission__status=Submission.Status.SUBMITTED
        )
        .exclude(grade__state__in=[GradeState.DRAFT, GradeState.RELEASED])
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    written = 0
    for start in range(0, len(ids), RESCORE_BATCH):
        # Each batch commits on its own: a rescore cut short keeps what it did, and a rerun
        # skips it (same version, same input hash).
        batch = list(Answer.objects.filter(pk__in=ids[start : start + RESCORE_BATCH]))
        written += _score_group(scoring_model.question, batch, realign=True)
    return written


def submissions_unscored(*, older_than: datetime) -> list[int]:
    """Ids of submissions submitted before `older_than` with a text answer that has no
    prediction at all (its scoring message was lost); at most `UNSCORED_LIMIT`, oldest first."""
    unscored = Answer.objects.filter(
        submission=OuterRef("pk"), question__kind__in=TEXT_KINDS, predictions__isnull=True
    )
    return list(
        Submission.objects.filter(status=Submission.Status.SUBMITTED, submitted_at__lt=older_than)
        .filter(Exists(unscored))
        .order_by("submitted_at", "pk")
        .values_list("pk", flat=True)[:UNSCORED_LIMIT]
    )


def input_hash(question: Question, text: str) -> str:
    """What a prediction depends on besides the model: the text and the question's key."""
    payload = [
        RECIPE,
        text,
        question.reference_answers,
        question.key_points,
        str(question.points),
        question.prompt,
    ]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def score_texts(
    question: Question, texts: Sequence[str], scorer: FittedScorer | None = None
) -> list[float]:
    """The points the scoring path gives `texts`: a trained scorer's, or without one the similarity
    fallback's. No feedback, nothing written: promotion compares candidates with it."""
    screened = [screen_answer(t) for t in texts]
    if scorer is not None:
        scores = _model_scores(scorer, question, screened)
    else:
        vectors = runtime.encoder().encode([s.text for s in screened])  # (N, C)
        scores = _fallback_scores(question, screened, _coverage(question, screened), vectors)
    return [float(s.score) for s in scores]


def _predictions(answer_ids: Sequence[int], version: ModelVersion | None) -> QuerySet[Prediction]:
    rows = Prediction.objects.filter(answer_id__in=answer_ids)
    return rows.filter(version=version) if version else rows.filter(version__isnull=True)


def _score_group(question: Question, answers: list[Answer], *, realign: bool = False) -> int:
    """Score one question's answers in one batch; return the predictions written.

    `realign` (rescoring): answers this version had already scored get its suggestion back, as
    after a restore, when the grades still hold the replaced version's points.
    """
    from mlcore.services.registry import scoring_model_for

    started = time.perf_counter()
    scoring_model = scoring_model_for(question=question)
    found = runtime.active_scorer(scoring_model)
    version = found[0] if found else None
    hashes = {a.pk: input_hash(question, a.text) for a in answers}
    done = dict(_predictions(list(hashes), version).values_list("answer_id", "input_hash"))
    fresh = [a for a in answers if done.get(a.pk) != hashes[a.pk]]
    written = 0
    if fresh:
        rows = _compute(question, fresh, found, hashes, started)
        written = _write(scoring_model, version, rows)
    if realign and scoring_model.suggestions_enabled:
        kept = [a.pk for a in answers if done.get(a.pk) == hashes[a.pk]]
        _suggest(list(_predictions(kept, version).select_related("answer")), version, True)
    return written


def _compute(
    question: Question,
    answers: list[Answer],
    found: tuple[ModelVersion, FittedScorer] | None,
    hashes: dict[int, str],
    started: float,
) -> list[Prediction]:
    """Preprocess, score in one batch (model or fallback), add feedback: unsaved rows."""
    version = found[0] if found else None
    screened = [screen_answer(a.text) for a in answers]
    coverage = _coverage(question, screened)
    vectors = runtime.encoder().encode([s.text for s in screened])  # (N, C)
    if found:
        scores = _model_scores(found[1], question, screened)
    else:
        scores = _fallback_scores(question, screened, coverage, vectors)
    near = neighbours_for(question, answers, vectors, [EMPTY in s.flags for s in screened])
    # What each answer waited inside the worker: the whole batch it was scored in.
    latency_ms = (time.perf_counter() - started) * 1000
    return [
        _row(answer, version, hashes[answer.pk], score, cov, neighbours, latency_ms)
        for answer, score, cov, neighbours in zip(answers, scores, coverage, near, strict=True)
    ]


def _coverage(question: Question, screened: list[Screened]) -> list[list[Coverage]]:
    # The masked text keeps the answer's length, so evidence spans index the student's own text.
    key_points = [k for k in question.key_points if k.strip()]
    if not key_points:
        return [[] for _ in screened]
    masked = ["" if EMPTY in s.flags else s.masked for s in screened]
    return key_point_coverage_many(masked, key_points, runtime.encoder())


def _confidence(value: float, flags: Sequence[str]) -> float:
    value = value if math.isfinite(value) else 0.0
    for flag in flags:
        value *= CONFIDENCE_FACTORS.get(flag, 1.0)
    return round(value, 4)


def _points(value: float, question: Question) -> Decimal:
    clipped = min(max(Decimal(str(round(value, 2))), Decimal(0)), question.points)
    return clipped.quantize(CENTS)


def _empty_score(flags: tuple[str, ...]) -> _Score:
    # The lowest score with certainty: there is nothing to read.
    return _Score(Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), 1.0, flags)


def _model_scores(
    scorer: FittedScorer, question: Question, screened: list[Screened]
) -> list[_Score]:
    n = len(screened)
    references = [r for r in question.reference_answers if r.strip()]
    key_points = [k for k in question.key_points if k.strip()]
    results = scorer.predict(
        [s.text for s in screened], [references] * n, [question.prompt] * n, [key_points] * n
    )
    out = []
    for item, result in zip(screened, results, strict=True):
        if EMPTY in item.flags:
            out.append(_empty_score(item.flags))
            continue
        flags = (*item.flags, TRUNCATED) if result["truncated"] else item.flags
        out.append(
            _Score(
                _points(result["score"], question),
                _points(result["low"], question),
                _points(result["high"], question),
                _confidence(result["confidence"], flags),
                flags,
            )
        )
    return out


def _fallback_scores(
    question: Question,
    screened: list[Screened],
    coverage: list[list[Coverage]],
    vectors: np.ndarray,
) -> list[_Score]:
    references = [r for r in question.reference_answers if r.strip()]
    ref_vecs = runtime.encoder().encode(references) if references else None  # (R, C)
    out = []
    for i, item in enumerate(screened):
        if EMPTY in item.flags:
            out.append(_empty_score(item.flags))
            continue
        cosine = float((ref_vecs @ vectors[i]).max()) if ref_vecs is not None else None
        result = fallback_score([c["similarity"] for c in coverage[i]], cosine, question.points)
        flags = item.flags if result.has_basis else (*item.flags, NO_REFERENCE)
        confidence = result.confidence if result.has_basis else 0.0
        out.append(
            _Score(result.score, result.low, result.high, _confidence(confidence, flags), flags)
        )
    return out


def _row(
    answer: Answer,
    version: ModelVersion | None,
    digest: str,
    score: _Score,
    coverage: list[Coverage],
    neighbours: Neighbours,
    latency_ms: float,
) -> Prediction:
    key_points = [
        {
            "key_point": c["key_point"],
            "met": bool(c["covered"]),
            "similarity": round(float(c["similarity"]), 3),
            "evidence": c["evidence"] if c["covered"] else None,
        }
        for c in coverage
    ]
    return Prediction(
        answer=answer,
        version=version,
        kind=Prediction.Kind.MODEL if version else Prediction.Kind.SIMILARITY,
        score=score.score,
        low=score.low,
        high=score.high,
        confidence=score.confidence,
        key_points=key_points,
        similar=neighbours.similar,
        advice=neighbours.advice,
        flags=list(score.flags),
        latency_ms=round(latency_ms, 2),
        input_hash=digest,
    )


_UPDATED = (
    *("kind", "score", "low", "high", "confidence", "key_points", "similar", "advice"),
    *("flags", "latency_ms", "input_hash"),
)


def _write(
    scoring_model: ScoringModel, version: ModelVersion | None, rows: list[Prediction]
) -> int:
    ids = [row.answer_id for row in rows]
    with transaction.atomic():
        # The claim: a duplicate delivery blocks here until this one commits, then finds the
        # rows below and writes nothing (SQLite serialises writers anyway).
        list(Answer.objects.select_for_update().filter(pk__in=ids).order_by("pk").values("pk"))
        current = dict(_predictions(ids, version).values_list("answer_id", "input_hash"))
        new = [row for row in rows if row.answer_id not in current]
        stale = [
            row for row in rows if current.get(row.answer_id, row.input_hash) != row.input_hash
        ]
        Prediction.objects.bulk_create(new, ignore_conflicts=True)
        for row in stale:
            fields = {name: getattr(row, name) for name in _UPDATED}
            _predictions([row.answer_id], version).update(**fields)
        if scoring_model.suggestions_enabled:
            _suggest([*new, *stale], version)
    return len(new) + len(stale)


def _suggest(
    rows: list[Prediction], version: ModelVersion | None, only_changed: bool = False
) -> None:
    """Suggested grades through `grade_suggest`, which never touches a teacher's decision;
    `only_changed` skips grades that already suggest these points from a model."""
    answer_ids = [row.answer_id for row in rows]
    grades = {g.answer_id: g for g in Grade.objects.filter(answer_id__in=answer_ids)}
    reason = (
        f"AI model v{version.number} ({version.family})"
        if version
        else "similarity to the reference answer (no trained model yet)"
    )
    for row in rows:
        if NO_REFERENCE in row.flags:
            continue  # a score of nothing: not worth a teacher's review
        grade = grades.get(row.answer_id)
        if grade is not None and grade.state != GradeState.SUGGESTED:
            continue  # a decision stands (grade_suggest would refuse it too, after a lock)
        same = grade is not None and (grade.source, grade.points) == (GradeSource.MODEL, row.score)
        if only_changed and same:
            continue
        grade_suggest(answer=row.answer, points=row.score, source=GradeSource.MODEL, reason=reason)
