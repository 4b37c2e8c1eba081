"""Hashed word and character n-gram TF-IDF, and a ridge regression on it fitted in closed form.

A linear model on character 2-5-grams and word 1-2-grams is the strongest cheap essay scorer
known (it sees spelling, vocabulary and length), but gradient descent fits it poorly: its
hundreds of thousands of sparse weights need thousands of small steps, and Adam's per-weight
steps over-fit the rare n-grams. Ridge regression has an exact solution instead. With fewer
documents than features it is solved in its dual form, an `(n, n)` system, in milliseconds.

The MLP uses the ridge prediction as one more input feature (stacking): training rows get
out-of-fold predictions, so the MLP learns how far to trust the n-grams on unseen answers.
Hashing needs no vocabulary: the IDF and the ridge weights (one float per bucket) are all there
is to save.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

RIDGE_ALPHAS = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)


def ngram_term_frequencies(
    texts: Sequence[str], buckets: int
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Hashed n-grams: `(bucket ids, 1 + log tf)` per text.

    Character 2-5-grams fill the lower half of the buckets and word 1-2-grams the upper half, so
    the two blocks can be normalised apart (`tfidf_matrix`), as two TF-IDF vectorizers would be.
    """
    half = buckets // 2
    kwargs: dict[str, Any] = {"n_features": half, "alternate_sign": False, "norm": None}
    chars = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 5), **kwargs)
    words = HashingVectorizer(analyzer="word", ngram_range=(1, 2), **kwargs)
    counts = sparse.hstack([chars.transform(texts), words.transform(texts)]).tocsr()  # (N, 2H)
    counts.sum_duplicates()
    out = []
    for i in range(counts.shape[0]):
        lo, hi = counts.indptr[i], counts.indptr[i + 1]
        ids = counts.indices[lo:hi].astype(np.int64)
        tf = (1.0 + np.log(counts.data[lo:hi])).astype(np.float32)
        out.append((ids, tf))
    return out


def inverse_document_frequency(documents: Sequence[np.ndarray], buckets: int) -> np.ndarray:
    """Smoothed IDF of each bucket, as scikit-learn's `TfidfTransformer(smooth_idf=True)`."""
    df = np.zeros(buckets, dtype=np.float64)
    for ids in documents:
        df[np.unique(ids)] += 1
    return np.log((1 + len(documents)) / (1 + df)) + 1.0


def tfidf_matrix(
    ids: Sequence[np.ndarray], tf: Sequence[np.ndarray], idf: np.ndarray
) -> sparse.csr_matrix:
    """TF-IDF rows `(N, buckets)` whose character and word halves each have unit length."""
    indptr = np.concatenate([[0], np.cumsum([len(i) for i in ids])])
    cols = np.concatenate(ids) if len(ids) else np.zeros(0, np.int64)
    vals = np.concatenate(tf).astype(np.float64) if len(tf) else np.zeros(0)
    vals = vals * idf[cols]
    rows = np.repeat(np.arange(len(ids)), np.diff(indptr))
    block = (cols >= len(idf) // 2).astype(np.int64)  # 0: characters, 1: words
    norms = np.zeros((len(ids), 2))
    np.add.at(norms, (rows, block), vals**2)
    vals = vals / np.maximum(np.sqrt(norms[rows, block]), 1e-12)
    return sparse.csr_matrix((vals, cols, indptr), shape=(len(ids), len(idf)))


def _dual_fit(k: np.ndarray, y: np.ndarray, alpha: float) -> tuple[np.ndarray, float]:
    """Dual ridge on centred targets: returns (dual weights, intercept)."""
    mean = float(y.mean())
    dual = np.linalg.solve(k + alpha * np.eye(len(y)), y - mean)
    return dual, mean


@dataclass
class RidgeFit:
    """Primal weights of the sparse and dense inputs, intercept, out-of-fold predictions."""

    sparse_weights: np.ndarray  # (buckets,)
    dense_weights: np.ndarray  # (D,)
    intercept: float
    oof: np.ndarray  # (N,)
    alpha: float


def ridge_with_oof(
    x: sparse.csr_matrix,
    y: np.ndarray,
    dense: np.ndarray | None = None,
    alphas: Sequence[float] = RIDGE_ALPHAS,
    folds: int = 5,
    seed: int = 0,
) -> RidgeFit:
    """Ridge on `[x, dense]` fitted on all rows, plus out-of-fold predictions of every row.

    `dense` (already standardised) joins the sparse TF-IDF, e.g. length features, which
    unit-length TF-IDF rows cannot express. `alpha` is chosen by `folds`-fold cross-validated
    squared error.
    """
    n = x.shape[0]
    dense = np.zeros((n, 0)) if dense is None else np.asarray(dense, dtype=np.float64)
    k = np.asarray((x @ x.T).todense()) + dense @ dense.T  # (N, N) linear kernel
    order = np.random.default_rng(seed).permutation(n)
    parts = [order[i::folds] for i in range(min(folds, n))]
    oof = {a: np.zeros(n) for a in alphas}
    for val in parts:
        fit = np.setdiff1d(order, val)
        for a in alphas:
            dual, mean = _dual_fit(k[np.ix_(fit, fit)], y[fit], a)
            oof[a][val] = k[np.ix_(val, fit)] @ dual + mean
    best = min(alphas, key=lambda a: float(np.mean((oof[a] - y) ** 2)))
    dual, mean = _dual_fit(k, y, best)
    return RidgeFit(np.asarray(x.T @ dual).ravel(), dense.T @ dual, mean, oof[best], best)
