"""Late and missing work after Canvas's late policy: pure functions, no database.

Canvas's rules, which teachers already know:
- a submission is late when it arrives after the due time that applies to the student (an
  extension's due time replaces the assignment's);
- each late interval (hour or day) that has *started* deducts `late_deduction_percent` of the
  points possible: 1 minute late is 1 interval, 25 hours late with a daily interval are 2;
- the deduction never takes the score below `late_minimum_percent` of the points possible, never
  below 0, and never raises a score that was already lower;
- missing work (nothing submitted once the due time has passed) scores the points possible minus
  `missing_deduction_percent` of them, when the policy is enabled.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from lms.grading.rules import to_points

MINUTES_PER_INTERVAL = {"hour": 60, "day": 24 * 60}
HUNDRED = Decimal(100)


class HasLatePolicy(Protocol):
    """Anything with the late policy fields: `Course`, `Assignment` (see `LatePolicyFields`)."""

    late_submissions_accepted: bool
    late_deduction_percent: Decimal
    late_interval: str
    late_minimum_percent: Decimal
    missing_deduction_enabled: bool
    missing_deduction_percent: Decimal


@dataclass(frozen=True)
class LatePolicy:
    accepted: bool = True
    deduction_percent: Decimal = Decimal(0)
    interval: str = "day"
    minimum_percent: Decimal = Decimal(0)
    missing_enabled: bool = False
    missing_percent: Decimal = HUNDRED

    @classmethod
    def of(cls, source: HasLatePolicy) -> LatePolicy:
        return cls(
            accepted=source.late_submissions_accepted,
            deduction_percent=Decimal(source.late_deduction_percent),
            interval=source.late_interval,
            minimum_percent=Decimal(source.late_minimum_percent),
            missing_enabled=source.missing_deduction_enabled,
            missing_percent=Decimal(source.missing_deduction_percent),
        )


def minutes_late(submitted_at: datetime, due_at: datetime | None) -> int:
    """Whole minutes after the due time, a started minute counting as one; 0 when on time."""
    if due_at is None or submitted_at <= due_at:
        return 0
    return math.ceil((submitted_at - due_at).total_seconds() / 60)


def late_intervals(minutes: int, interval: str) -> int:
    """Late intervals started after `minutes` late (0 when on time)."""
    if interval not in MINUTES_PER_INTERVAL:
        raise ValueError(f"Unknown late interval {interval!r}")
    return math.ceil(minutes / MINUTES_PER_INTERVAL[interval]) if minutes > 0 else 0


def late_penalty(
    *, score: Decimal, points_possible: Decimal, minutes: int, policy: LatePolicy
) -> Decimal:
    """Points deducted from `score` for arriving `minutes` late (0 when on time)."""
    intervals = late_intervals(minutes, policy.interval)
    if intervals == 0 or policy.deduction_percent <= 0 or score <= 0:
        return to_points(Decimal(0))
    deduction = points_possible * policy.deduction_percent * intervals / HUNDRED
    floor = min(score, points_possible * policy.minimum_percent / HUNDRED)
    penalised = max(score - deduction, floor, Decimal(0))
    return to_points(score - penalised)


def missing_score(*, points_possible: Decimal, policy: LatePolicy) -> Decimal | None:
    """The grade of missing work once its due time has passed; `None` when the policy is off."""
    if not policy.missing_enabled:
        return None
    kept = HUNDRED - min(max(policy.missing_percent, Decimal(0)), HUNDRED)
    return to_points(points_possible * kept / HUNDRED)
