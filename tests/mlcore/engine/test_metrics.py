import math

import numpy as np
import pytest
from scipy.stats import pearsonr
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    f1_score,
    mean_squared_error,
    roc_auc_score,
)

from mlcore.engine import metrics


@pytest.fixture
def ratings() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 5, size=300)
    pred = np.clip(y + rng.integers(-1, 2, size=300), 0, 4)
    return y, pred


def test_qwk_matches_sklearn(ratings: tuple[np.ndarray, np.ndarray]) -> None:
    y, pred = ratings
    expected = cohen_kappa_score(y, pred, weights="quadratic")
    assert metrics.qwk(y, pred) == pytest.approx(expected, abs=1e-12)


def test_qwk_hand_computed_with_fixed_range() -> None:
    # Scale 0..2, weights w_ij = (i - j)^2 / 4. Observed: (0,0), (1,2), (2,2), (2,1).
    # Observed weighted disagreement: (1/4 + 1/4) / 4 = 0.125.
    # Marginals rows (1, 1, 2) / 4, cols (1, 1, 2) / 4: expected = sum w_ij r_i c_j = 0.25 / 4 * ...
    y, pred = [0, 1, 2, 2], [0, 2, 2, 1]
    r = np.array([1, 1, 2]) / 4
    w = np.array([[(i - j) ** 2 / 4 for j in range(3)] for i in range(3)])
    expected_disagreement = float((w * np.outer(r, r)).sum())
    assert metrics.qwk(y, pred, 0, 2) == pytest.approx(1 - 0.125 / expected_disagreement)
    # A wider declared scale changes the weights, as in ASAP's official code.
    assert metrics.qwk(y, pred, 0, 4) == pytest.approx(
        cohen_kappa_score(y, pred, weights="quadratic", labels=[0, 1, 2, 3, 4])
    )


def test_qwk_edge_cases() -> None:
    assert metrics.qwk([2, 2, 2], [2, 2, 2]) == 1.0
    assert metrics.qwk([0, 1, 2], [0, 1, 2]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="outside"):
        metrics.qwk([0, 5], [0, 1], 0, 3)


def test_classification_metrics_match_sklearn(ratings: tuple[np.ndarray, np.ndarray]) -> None:
    y, pred = ratings
    assert metrics.accuracy(y, pred) == pytest.approx(accuracy_score(y, pred))
    assert metrics.f1_macro(y, pred) == pytest.approx(f1_score(y, pred, average="macro"))
    assert metrics.f1_weighted(y, pred) == pytest.approx(f1_score(y, pred, average="weighted"))


def test_regression_metrics() -> None:
    assert metrics.rmse([1, 2, 3], [1, 2, 5]) == pytest.approx(math.sqrt(4 / 3))
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=50), rng.normal(size=50)
    assert metrics.pearson(x, y) == pytest.approx(pearsonr(x, y)[0])
    assert metrics.rmse(x, y) == pytest.approx(math.sqrt(mean_squared_error(x, y)))
    assert math.isnan(metrics.pearson([1, 1, 1], [1, 2, 3]))


def test_auc() -> None:
    # Hand-computed: pairs (pos, neg) = (0.8, 0.3) (0.8, 0.6) (0.4, 0.3) (0.4, 0.6): 3 of 4 ordered.
    assert metrics.auc([1, 0, 1, 0], [0.8, 0.3, 0.4, 0.6]) == pytest.approx(0.75)
    rng = np.random.default_rng(2)
    y, s = rng.integers(0, 2, 200), rng.random(200)
    assert metrics.auc(y, s) == pytest.approx(roc_auc_score(y, s))
    assert math.isnan(metrics.auc([1, 1], [0.2, 0.3]))


def test_ece_hand_computed() -> None:
    # Binary: confidences 0.9, 0.9 (bin 9; one right) and 0.6 (bin 6, right).
    # ECE = (2 * |0.5 - 0.9| + 1 * |1 - 0.6|) / 3 = 0.4.
    probs = np.array([0.9, 0.1, 0.6])
    labels = np.array([1, 1, 1])
    assert metrics.ece(probs, labels) == pytest.approx(0.4)
    # Multi-class input gives the same figure as the equivalent binary one.
    two_class = np.stack([1 - probs, probs], axis=1)
    assert metrics.ece(two_class, labels) == pytest.approx(0.4)


def test_ece_is_small_for_calibrated_probabilities() -> None:
    rng = np.random.default_rng(3)
    p = rng.random(20_000)
    y = (rng.random(20_000) < p).astype(int)
    assert metrics.ece(p, y) < 0.02
    assert metrics.ece(np.clip(p * 2, 0, 1), y) > 0.1
