"""Rule grading of objective answers: pure functions of the answer and the teacher's key.

Points come back as `Decimal` rounded to the cent, like `Grade.points`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def to_points(value: Decimal) -> Decimal:
    """Round to the cent, halves up (the grade columns keep two decimals)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def grade_single_choice(
    *, chosen_ids: Collection[int], correct_ids: Collection[int], points: Decimal
) -> Decimal:
    """Full points if and only if exactly one choice was made and it is a correct one."""
    if len(chosen_ids) == 1 and set(chosen_ids) <= set(correct_ids):
        return to_points(points)
    return to_points(Decimal(0))


def grade_multiple_choice(
    *, chosen_ids: Collection[int], correct_ids: Collection[int], points: Decimal
) -> Decimal:
    """Partial credit as Canvas gives it for "multiple answers" questions.

    score = points * (correct choices chosen - wrong choices chosen) / correct choices in total,
    floored at 0. Each wrong pick cancels one right pick, so ticking every box earns nothing when
    there are at least as many wrong choices as right ones.
    A question with no correct choice gives full points only for choosing nothing.
    """
    chosen, correct = set(chosen_ids), set(correct_ids)
    if not correct:
        return to_points(points if not chosen else Decimal(0))
    right = len(chosen & correct)
    wrong = len(chosen - correct)
    fraction = Decimal(max(right - wrong, 0)) / Decimal(len(correct))
    return to_points(points * fraction)


def grade_numeric(
    *, value: Decimal, answer: Decimal, tolerance: Decimal, points: Decimal
) -> Decimal:
    """Full points when |value - answer| <= tolerance (inclusive), else 0."""
    if abs(value - answer) <= abs(tolerance):
        return to_points(points)
    return to_points(Decimal(0))


def normalise_text(text: str, *, case_sensitive: bool) -> str:
    """Trim, collapse runs of whitespace to one space, and fold case unless asked not to."""
    collapsed = " ".join(text.split())
    return collapsed if case_sensitive else collapsed.casefold()


def matches_accepted(text: str, accepted: Iterable[str], *, case_sensitive: bool) -> bool:
    """Whether a short text answer equals one of the accepted answers, after normalising both."""
    given = normalise_text(text, case_sensitive=case_sensitive)
    return any(given == normalise_text(a, case_sensitive=case_sensitive) for a in accepted)
