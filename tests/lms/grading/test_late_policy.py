from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from lms.grading.late_policy import (
    LatePolicy,
    late_intervals,
    late_penalty,
    minutes_late,
    missing_score,
)

D = Decimal
DUE = datetime(2026, 10, 1, 23, 59, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "expected"),
    [
        (timedelta(minutes=-5), 0),
        (timedelta(0), 0),
        (timedelta(seconds=1), 1),
        (timedelta(minutes=1), 1),
        (timedelta(minutes=1, seconds=1), 2),
        (timedelta(hours=25), 1500),
    ],
)
def test_minutes_late_counts_a_started_minute(delta: timedelta, expected: int) -> None:
    assert minutes_late(DUE + delta, DUE) == expected


def test_no_due_time_is_never_late() -> None:
    assert minutes_late(DUE, None) == 0


@pytest.mark.parametrize(
    ("minutes", "interval", "expected"),
    [
        (0, "hour", 0),
        (1, "hour", 1),
        (60, "hour", 1),
        (61, "hour", 2),
        (1, "day", 1),
        (1440, "day", 1),
        (1441, "day", 2),
        (1500, "day", 2),
    ],
)
def test_late_intervals_count_started_intervals(minutes: int, interval: str, expected: int) -> None:
    assert late_intervals(minutes, interval) == expected


def test_unknown_interval_is_an_error() -> None:
    with pytest.raises(ValueError, match="week"):
        late_intervals(10, "week")


def penalty(score: str, minutes: int, **policy: object) -> Decimal:
    return late_penalty(
        score=D(score), points_possible=D(10), minutes=minutes, policy=LatePolicy(**policy)
    )


def test_daily_deduction_of_the_points_possible() -> None:
    # 10% of 10 points per started day; 25 hours late = 2 days = 2 points.
    assert penalty("9", 25 * 60, deduction_percent=D(10), interval="day") == D("2.00")


def test_hourly_deduction() -> None:
    assert penalty("9", 61, deduction_percent=D(5), interval="hour") == D("1.00")


def test_on_time_costs_nothing() -> None:
    assert penalty("9", 0, deduction_percent=D(50)) == D(0)


def test_minimum_percent_floors_the_penalised_score() -> None:
    # 10 days late at 10%/day would take all 9 points; the floor keeps 40% of 10 = 4.
    assert penalty("9", 10 * 1440, deduction_percent=D(10), minimum_percent=D(40)) == D("5.00")


def test_minimum_never_raises_a_lower_score() -> None:
    # Raw 3 is under the 40% floor already: the penalty leaves it at 3, not raise it to 4.
    assert penalty("3", 10 * 1440, deduction_percent=D(10), minimum_percent=D(40)) == D(0)


def test_penalty_never_goes_below_zero() -> None:
    assert penalty("2", 5 * 1440, deduction_percent=D(25)) == D("2.00")


def test_missing_score() -> None:
    off = LatePolicy()
    assert missing_score(points_possible=D(10), policy=off) is None
    on = LatePolicy(missing_enabled=True, missing_percent=D(70))
    assert missing_score(points_possible=D(10), policy=on) == D("3.00")
    full = LatePolicy(missing_enabled=True)
    assert missing_score(points_possible=D(10), policy=full) == D("0.00")
