import json
import math

import numpy as np
import pytest

from mlcore.engine.calibration import ConformalInterval, TemperatureScaler
from mlcore.engine.metrics import accuracy, ece


def test_conformal_90_percent_interval_covers_85_to_95_percent() -> None:
    rng = np.random.default_rng(0)
    truth = rng.uniform(0, 10, size=4000)
    pred = truth + rng.normal(0, 1.0, size=4000) * (1 + truth / 10)  # heteroscedastic noise
    interval = ConformalInterval().fit(truth[:1000], pred[:1000], alpha=0.1)
    lo, hi = interval.interval(pred[1000:])
    coverage = float(np.mean((truth[1000:] >= lo) & (truth[1000:] <= hi)))
    assert 0.85 <= coverage <= 0.95
    # The half-width is the held-out residual quantile, not a fixed number.
    assert interval.q == pytest.approx(
        np.quantile(np.abs(truth[:1000] - pred[:1000]), 0.9), rel=0.02
    )


def test_conformal_clips_and_round_trips_through_json() -> None:
    interval = ConformalInterval().fit([1, 2, 3, 4], [1.5, 2, 2, 4], alpha=0.5, low=0, high=4)
    assert interval.q == 0.5  # residuals 0, 0, 0.5, 1: rank ceil(5 * 0.5) = 3
    lo, hi = interval.interval([0.2, 3.9])
    assert lo.tolist() == [0.0, pytest.approx(3.4)]
    assert hi.tolist() == [pytest.approx(0.7), 4.0]
    again = ConformalInterval.from_dict(json.loads(json.dumps(interval.to_dict())))
    assert again == interval


def test_conformal_with_too_few_points_is_unbounded() -> None:
    interval = ConformalInterval().fit([1.0, 2.0], [1.0, 2.5], alpha=0.1)
    assert math.isinf(interval.q)
    assert math.isinf(ConformalInterval.from_dict(interval.to_dict()).q)
    with pytest.raises(RuntimeError, match="not fitted"):
        ConformalInterval().interval([1.0])


def miscalibrated(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Logits of a 3-class classifier made 3x over-confident."""
    rng = np.random.default_rng(seed)
    true_logits = rng.normal(0, 1.5, size=(n, 3))
    p = np.exp(true_logits) / np.exp(true_logits).sum(axis=1, keepdims=True)
    labels = np.array([rng.choice(3, p=row) for row in p])
    return true_logits * 3.0, labels


def test_temperature_scaling_lowers_ece_without_changing_predictions() -> None:
    logits, labels = miscalibrated(3000, seed=0)
    test_logits, test_labels = miscalibrated(3000, seed=1)
    scaler = TemperatureScaler().fit(logits, labels)
    assert scaler.temperature == pytest.approx(3.0, rel=0.15)
    raw = np.exp(test_logits) / np.exp(test_logits).sum(axis=1, keepdims=True)
    calibrated = scaler.probabilities(test_logits)
    assert ece(calibrated, test_labels) < 0.5 * ece(raw, test_labels)
    assert accuracy(test_labels, calibrated.argmax(1)) == accuracy(test_labels, raw.argmax(1))
    assert TemperatureScaler.from_dict(scaler.to_dict()) == scaler


def test_temperature_scaling_binary_logits() -> None:
    rng = np.random.default_rng(2)
    z = rng.normal(0, 2, size=5000)
    labels = (rng.random(5000) < 1 / (1 + np.exp(-z))).astype(int)
    scaler = TemperatureScaler().fit(z * 0.4, labels)  # under-confident: T < 1 expected
    assert scaler.temperature == pytest.approx(0.4, rel=0.15)
    probs = scaler.probabilities(z * 0.4)
    assert probs.shape == (5000,)
    assert ece(probs, labels) < ece(1 / (1 + np.exp(-z * 0.4)), labels)
