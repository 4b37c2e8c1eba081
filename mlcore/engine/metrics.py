"""Evaluation metrics: array-likes in, a Python float out.

Every function accepts lists or NumPy arrays. Degenerate inputs (one class only, a constant
series) return ``nan`` rather than raising, so that an evaluation report over many folds is still
written and the odd fold is visible in it.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from sklearn.metrics import f1_score, roc_auc_score


def _flat(values: ArrayLike) -> np.ndarray:
    return np.asarray(values).reshape(-1)


def qwk(
    y_true: ArrayLike,
    y_pred: ArrayLike,
    min_rating: int | None = None,
    max_rating: int | None = None,
) -> float:
    """Quadratic weighted kappa of integer ratings (ASAP's official formula).

    ``min_rating``/``max_rating`` fix the rating scale (the prompt's range); by default it spans
    the ratings seen in both arrays. Predictions must already be rounded and clipped.
    """
    a = _flat(y_true).astype(np.int64)
    b = _flat(y_pred).astype(np.int64)
    if a.shape != b.shape or a.size == 0:
        raise ValueError("qwk needs two non-empty arrays of the same length")
    lo = int(min(a.min(), b.min())) if min_rating is None else min_rating
    hi = int(max(a.max(), b.max())) if max_rating is None else max_rating
    if a.min() < lo or b.min() < lo or a.max() > hi or b.max() > hi:
        raise ValueError(f"ratings fall outside [{lo}, {hi}]")
    n = hi - lo + 1
    observed = np.zeros((n, n), dtype=np.float64)
    np.add.at(observed, (a - lo, b - lo), 1.0)
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / a.size
    idx = np.arange(n, dtype=np.float64)
    weights = (idx[:, None] - idx[None, :]) ** 2 / max((n - 1) ** 2, 1)
    denominator = float((weights * expected).sum())
    if denominator == 0.0:
        # Both raters used one and the same level everywhere: perfect agreement, kappa undefined.
        return 1.0 if np.array_equal(a, b) else 0.0
    return 1.0 - float((weights * observed).sum()) / denominator


def accuracy(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Share of exact matches."""
    a, b = _flat(y_true), _flat(y_pred)
    return float(np.mean(a == b))


def f1_macro(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Unweighted mean of per-class F1 over the classes present in either array."""
    return float(f1_score(_flat(y_true), _flat(y_pred), average="macro", zero_division=0))


def f1_weighted(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Per-class F1 weighted by class support (SemEval 2013's headline metric)."""
    return float(f1_score(_flat(y_true), _flat(y_pred), average="weighted", zero_division=0))


def rmse(y_true: ArrayLike, y_pred: ArrayLike) -> float:
    """Root mean squared error."""
    a, b = _flat(y_true).astype(np.float64), _flat(y_pred).astype(np.float64)
    return float(np.sqrt(np.mean((a - b) ** 2)))


def pearson(x: ArrayLike, y: ArrayLike) -> float:
    """Pearson correlation; ``nan`` when either series is constant."""
    a, b = _flat(x).astype(np.float64), _flat(y).astype(np.float64)
    a, b = a - a.mean(), b - b.mean()
    denominator = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum()) / denominator if denominator > 0 else math.nan


def auc(labels: ArrayLike, scores: ArrayLike) -> float:
    """ROC AUC of binary ``labels`` (0/1) ranked by ``scores``; ``nan`` when one class only."""
    y = _flat(labels)
    if np.unique(y).size < 2:
        return math.nan
    return float(roc_auc_score(y, _flat(scores)))


def ece(probs: ArrayLike, labels: ArrayLike, n_bins: int = 10) -> float:
    """Expected calibration error with ``n_bins`` equal-width confidence bins.

    ``probs`` is either (N,) probabilities of the positive class with 0/1 ``labels``, or (N, C)
    class probabilities with integer ``labels``; confidence is the probability of the predicted
    class, and ECE is the support-weighted mean of |accuracy - confidence| over the bins.
    """
    p = np.asarray(probs, dtype=np.float64)
    y = _flat(labels).astype(np.int64)
    if p.ndim == 1:
        p = np.stack([1.0 - p, p], axis=1)  # (N,) -> (N, 2)
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    # Bin i holds confidences in (i/n, (i+1)/n]; confidence 0 joins the first bin.
    bins = np.clip(np.ceil(confidence * n_bins).astype(np.int64) - 1, 0, n_bins - 1)
    total = 0.0
    for b in range(n_bins):
        in_bin = bins == b
        if in_bin.any():
            gap = abs(float(correct[in_bin].mean()) - float(confidence[in_bin].mean()))
            total += float(in_bin.sum()) * gap
    return total / max(len(y), 1)
