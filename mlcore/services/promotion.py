"""Held-out evaluation and the promotion rule of a training run (called by `services.training`).

A candidate is promoted only if its quadratic weighted kappa (QWK) on held-out teacher grades
beats the active version's on the same answers; a tie keeps the active version. With no active
version it must beat the reference-similarity fallback instead. Answers the active version was
trained on are left out of the comparison (it would be judged on answers it has seen), and the
decision text says what was compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from lms.assignments.models import Question
from mlcore import runtime
from mlcore.engine.inference import FittedScorer, ScoreScale
from mlcore.engine.metrics import qwk
from mlcore.models import ModelVersion, ScoringModel
from mlcore.services.scoring import score_texts

# Figures are stored and compared at this precision, so the page never shows "0.8123 beats
# 0.8123": two scorers within it are a tie, which keeps the active version.
DIGITS = 4


@dataclass(frozen=True)
class HeldOut:
    """The held-out teacher grades of a run, in answer-id order."""

    answer_ids: list[int]
    texts: list[str]
    scores: list[float]

    def subset(self, keep: set[int]) -> HeldOut:
        rows = [
            r for r in zip(self.answer_ids, self.texts, self.scores, strict=True) if r[0] in keep
        ]
        return HeldOut([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows])


@dataclass(frozen=True)
class Decision:
    promote: bool
    text: str
    baseline_version_id: int | None  # the active version compared with; None: the fallback
    compared: dict[str, Any] = field(default_factory=dict)


def _levels(scores: np.ndarray, scale: ScoreScale) -> tuple[np.ndarray, int]:
    """Integer levels of snapped scores and the highest level (whole points when continuous)."""
    snapped = scale.snap(scores)
    if scale.step > 0:
        levels = np.round((snapped - scale.min_score) / scale.step).astype(np.int64)
        return levels, scale.n_levels - 1
    base = round(scale.min_score)
    return np.round(snapped).astype(np.int64) - base, round(scale.max_score) - base


def heldout_metrics(
    true: Sequence[float], predicted: Sequence[float], scale: ScoreScale
) -> dict[str, float]:
    """QWK, exact agreement and agreement within one point of predictions with teacher grades."""
    y_true = np.asarray(true, dtype=np.float64)
    y_pred = scale.snap(np.asarray(predicted, dtype=np.float64))
    if y_true.size == 0:
        return {"n": 0}
    true_levels, top = _levels(y_true, scale)
    pred_levels, _ = _levels(y_pred, scale)
    gap = np.abs(y_true - y_pred)
    return {
        "n": int(y_true.size),
        "qwk": round(qwk(true_levels, pred_levels, 0, top), DIGITS),
        "exact": round(float(np.mean(gap < 1e-6)), DIGITS),
        "within_one": round(float(np.mean(gap <= 1 + 1e-6)), DIGITS),
    }


def model_scores(scorer: FittedScorer, question: Question, texts: Sequence[str]) -> list[float]:
    """A trained scorer's points, exactly as the scoring path gives them (screened first)."""
    return score_texts(question, texts, scorer)


def fallback_scores(question: Question, texts: Sequence[str]) -> list[float]:
    """The similarity fallback's points, exactly as the scoring path gives them."""
    return score_texts(question, texts)


def _active(scoring_model: ScoringModel) -> tuple[ModelVersion, FittedScorer] | None:
    # The runtime marks a version whose artifact fails to load as broken (and the previous one
    # takes over), so the comparison is always with what would score the next answer.
    return runtime.active_scorer(scoring_model)


def decide(
    *,
    scoring_model: ScoringModel,
    candidate: FittedScorer,
    heldout: HeldOut,
    scale: ScoreScale,
) -> tuple[Decision, dict[str, float]]:
    """The promotion decision, and the candidate's metrics on all of its held-out answers."""
    question = scoring_model.question
    candidate_scores = dict(
        zip(heldout.answer_ids, model_scores(candidate, question, heldout.texts), strict=True)
    )
    overall = heldout_metrics(heldout.scores, list(candidate_scores.values()), scale)
    found = _active(scoring_model)
    if found is None:
        baseline_name, baseline_id, compared = "the similarity fallback", None, heldout
        baseline_scores = fallback_scores(question, heldout.texts)
    else:
        version, scorer = found
        seen = set(version.config.get("train_answer_ids", []))
        compared = heldout.subset(set(heldout.answer_ids) - seen)
        baseline_name, baseline_id = f"v{version.number}", version.pk
        if not compared.answer_ids:
            text = f"kept {baseline_name}: it was trained on every held-out answer (no comparison)"
            return Decision(False, text, baseline_id), overall
        baseline_scores = model_scores(scorer, question, compared.texts)
    mine = heldout_metrics(
        compared.scores, [candidate_scores[a] for a in compared.answer_ids], scale
    )
    theirs = heldout_metrics(compared.scores, baseline_scores, scale)
    promote = mine["qwk"] > theirs["qwk"]
    on = f"on the same {mine['n']} held-out teacher grades"
    if promote:
        text = f"promoted: QWK {mine['qwk']:.4f} beats {baseline_name}'s {theirs['qwk']:.4f} {on}"
    else:
        verb = "ties" if mine["qwk"] == theirs["qwk"] else "is below"
        text = (
            f"not promoted: QWK {mine['qwk']:.4f} {verb} {baseline_name}'s {theirs['qwk']:.4f} {on}"
        )
        if baseline_id is None:
            text += " (the similarity fallback keeps scoring)"
    details = {
        "answers": compared.answer_ids,
        "candidate": mine,
        "baseline": theirs,
        "baseline_name": baseline_name,
    }
    return Decision(promote, text, baseline_id, details), overall
