"""The gradebook as CSV."""

from __future__ import annotations

from lms.courses.models import Course


def gradebook_csv(course: Course, *, released_only: bool = False) -> str:
    """One row per student, one column per assignment, then categories and total; a header row."""
    raise NotImplementedError
