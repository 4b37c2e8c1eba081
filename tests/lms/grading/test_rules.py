from __future__ import annotations

from decimal import Decimal

import pytest

from lms.grading.rules import (
    grade_multiple_choice,
    grade_numeric,
    grade_single_choice,
    matches_accepted,
    normalise_text,
)

D = Decimal


@pytest.mark.parametrize(
    ("chosen", "expected"), [([1], D("2.00")), ([2], D("0.00")), ([], D("0.00")), ([1, 2], D(0))]
)
def test_single_choice_full_points_only_for_the_one_correct_choice(
    chosen: list[int], expected: Decimal
) -> None:
    assert grade_single_choice(chosen_ids=chosen, correct_ids=[1], points=D(2)) == expected


@pytest.mark.parametrize(
    ("chosen", "expected"),
    [
        ([1, 2, 3], D("3.00")),  # all three correct
        ([1, 2], D("2.00")),  # two of three
        ([1, 2, 4], D("1.00")),  # two right, one wrong: (2 - 1) / 3
        ([1, 4, 5], D("0.00")),  # one right, two wrong: floored at 0
        ([1, 2, 3, 4, 5], D("1.00")),  # ticking every box: (3 - 2) / 3
        ([], D("0.00")),
    ],
)
def test_multiple_choice_partial_credit_canvas_style(chosen: list[int], expected: Decimal) -> None:
    score = grade_multiple_choice(chosen_ids=chosen, correct_ids=[1, 2, 3], points=D(3))
    assert score == expected


def test_multiple_choice_rounds_to_the_cent() -> None:
    assert grade_multiple_choice(chosen_ids=[1], correct_ids=[1, 2, 3], points=D(1)) == D("0.33")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("9.81", D("4.00")),
        ("9.86", D("4.00")),  # exactly at +tolerance
        ("9.76", D("4.00")),  # exactly at -tolerance
        ("9.87", D(0)),
        ("-9.81", D(0)),
    ],
)
def test_numeric_tolerance_is_inclusive(value: str, expected: Decimal) -> None:
    score = grade_numeric(value=D(value), answer=D("9.81"), tolerance=D("0.05"), points=D(4))
    assert score == expected


def test_numeric_exact_when_no_tolerance() -> None:
    assert grade_numeric(value=D("3.000"), answer=D(3), tolerance=D(0), points=D(1)) == D(1)
    assert grade_numeric(value=D("3.001"), answer=D(3), tolerance=D(0), points=D(1)) == D(0)


def test_normalise_text_trims_collapses_and_folds_case() -> None:
    assert normalise_text("  Carbon \n  Dioxide ", case_sensitive=False) == "carbon dioxide"
    assert normalise_text("  Carbon \t Dioxide ", case_sensitive=True) == "Carbon Dioxide"


@pytest.mark.parametrize(
    ("text", "case_sensitive", "expected"),
    [
        ("  mitochondria ", False, True),
        ("MITOCHONDRIA", False, True),
        ("MITOCHONDRIA", True, False),
        ("Mitochondria", True, True),
        ("the mitochondria", False, True),
        ("mitochondrion", False, False),
        ("", False, False),
    ],
)
def test_short_text_exact_match(text: str, case_sensitive: bool, expected: bool) -> None:
    accepted = ["Mitochondria", "the  mitochondria"]
    assert matches_accepted(text, accepted, case_sensitive=case_sensitive) is expected
