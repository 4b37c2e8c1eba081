"""The documented similarity formula of questions without a trained model (pure: no encoder)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mlcore.fallback import CONFIDENCE, fallback_score, points_step, similarity_share, snap


@pytest.mark.parametrize(
    ("points", "step"),
    [("2", "1"), ("10", "1"), ("1.5", "0.5"), ("0.5", "0.5"), ("2.75", "0.25"), ("0.3", "0.01")],
)
def test_points_grid(points: str, step: str) -> None:
    assert points_step(Decimal(points)) == Decimal(step)


@pytest.mark.parametrize(
    ("value", "points", "expected"),
    [(1.49, "2", "1"), (1.5, "2", "2"), (-0.4, "2", "0"), (7.0, "2", "2"), (0.8, "1.5", "1")],
)
def test_snap_rounds_halves_up_within_the_range(value: float, points: str, expected: str) -> None:
    assert snap(value, Decimal(points)) == Decimal(expected)


def test_share_is_the_mean_of_coverage_and_closeness() -> None:
    # Key points: 0.30 -> 0, 0.45 -> 0.5, 0.60 and above -> 1; reference: 0.40 -> 0, 0.80 -> 1.
    assert similarity_share([0.30, 0.60], 0.60) == pytest.approx((0.5 + 0.5) / 2)
    assert similarity_share([0.45, 0.90], 0.80) == pytest.approx((0.75 + 1.0) / 2)
    assert similarity_share([0.10], None) == 0.0
    assert similarity_share([], 0.70) == pytest.approx(0.75)
    assert similarity_share([], None) == 0.0


def test_score_interval_and_confidence() -> None:
    result = fallback_score([0.60, 0.60], 0.80, Decimal(4))

    assert (result.score, result.low, result.high) == (Decimal(4), Decimal(2), Decimal(4))
    assert result.confidence == CONFIDENCE
    assert result.has_basis


def test_nothing_to_compare_with_has_no_basis() -> None:
    result = fallback_score([], None, Decimal(2))

    assert result.score == 0
    assert not result.has_basis


def test_more_similarity_never_scores_less() -> None:
    sims = [x / 20 for x in range(21)]
    scores = [fallback_score([s, s], s, Decimal(5)).score for s in sims]

    assert scores == sorted(scores)
    assert (scores[0], scores[-1]) == (0, 5)
