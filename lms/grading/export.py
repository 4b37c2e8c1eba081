"""The gradebook as CSV, for spreadsheets and student information systems."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from lms.courses.models import Course
from lms.grading.selectors import gradebook_for_course

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return f"'{value}" if value.startswith(FORMULA_STARTS) else value


def _number(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def gradebook_csv(course: Course, *, released_only: bool = False) -> str:
    """One row per student, one column per assignment, then categories and total; a header row.

    Scores are points after the late penalty; categories and total are percentages. An empty
    cell is work that does not count (not graded yet, or not due).
    """
    book = gradebook_for_course(course=course, released_only=released_only)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            "Student",
            "E-mail",
            *(_text(f"{a.title} ({a.points_possible} pts)") for a in book.assignments),
            *(_text(f"{c.name} (%)") for c in book.categories),
            "Total (%)",
        ]
    )
    for row in book.rows:
        writer.writerow(
            [
                _text(row.name),
                _text(row.email),
                *(_number(row.scores[a.id]) for a in book.assignments),
                *(_number(row.category_percents[c.id]) for c in book.categories),
                _number(row.total_percent),
            ]
        )
    return out.getvalue()
