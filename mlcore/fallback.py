"""The reference-similarity score of a question that has no trained model yet.

For an answer with key-point similarities `sim_k` (best evidence span per key point, cosine) and
best cosine `r` to the question's reference answers (whole answer against each reference):

    coverage  k = mean_k clip((sim_k - 0.30) / (0.60 - 0.30), 0, 1)
    closeness c = clip((r - 0.40) / (0.80 - 0.40), 0, 1)
    s = (k + c) / 2        (only k, or only c, when the question has only key points or references)
    score = s * points, rounded to the question's points grid (whole points when the question's
            points are whole, else halves or quarters), within [0, points]
    interval = score -/+ points / 2 on the same grid     confidence = 0.2

The bounds were set by reading MiniLM similarities of right, partial, wrong and off-topic answers
to one question (key points are short phrases, so they sit lower than whole references); they are
not fitted, which is why the confidence is low and the interval wide. An answer that says the
wrong thing on the right topic still gets part of the score: similarity measures topic and
wording, not truth. Pure NumPy: no Django.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

KEY_POINT_LOW, KEY_POINT_HIGH = 0.30, 0.60
REFERENCE_LOW, REFERENCE_HIGH = 0.40, 0.80
CONFIDENCE = 0.2
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class FallbackScore:
    score: Decimal
    low: Decimal
    high: Decimal
    confidence: float
    has_basis: bool  # False: the question has neither references nor key points


def points_step(points: Decimal) -> Decimal:
    """The grid scores are rounded to: 1 for whole points, else 0.5 or 0.25, else cents."""
    for step in (Decimal(1), Decimal("0.5"), Decimal("0.25")):
        if points >= step and points % step == 0:
            return step
    return CENTS


def snap(value: float, points: Decimal) -> Decimal:
    """`value` rounded to the points grid (halves up) and kept within [0, points]."""
    step = points_step(points)
    clipped = min(max(Decimal(str(value)), Decimal(0)), points)
    steps = (clipped / step).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return min(steps * step, points).quantize(CENTS)


def _ramp(x: float, low: float, high: float) -> float:
    return float(np.clip((x - low) / (high - low), 0.0, 1.0))


def similarity_share(key_point_sims: Sequence[float], reference_cosine: float | None) -> float:
    """The share `s` of the points the formula above gives, in [0, 1]."""
    parts = []
    if key_point_sims:
        ramps = [_ramp(s, KEY_POINT_LOW, KEY_POINT_HIGH) for s in key_point_sims]
        parts.append(sum(ramps) / len(ramps))
    if reference_cosine is not None:
        parts.append(_ramp(reference_cosine, REFERENCE_LOW, REFERENCE_HIGH))
    return sum(parts) / len(parts) if parts else 0.0


def fallback_score(
    key_point_sims: Sequence[float], reference_cosine: float | None, points: Decimal
) -> FallbackScore:
    """The similarity score of one answer on a question worth `points`."""
    share = similarity_share(key_point_sims, reference_cosine)
    raw = share * float(points)
    half = float(points) / 2
    return FallbackScore(
        score=snap(raw, points),
        low=snap(raw - half, points),
        high=snap(raw + half, points),
        confidence=CONFIDENCE,
        has_basis=bool(key_point_sims) or reference_cosine is not None,
    )
