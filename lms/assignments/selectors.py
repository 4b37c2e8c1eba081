"""Read-only queries about assignments, extensions and submissions."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from lms.accounts.models import User
from lms.assignments.models import Assignment, Extension, Submission
from lms.courses.models import Course


def extension_for(assignment: Assignment, student: User) -> Extension | None:
    """The student's extension on the assignment, if any."""
    raise NotImplementedError


def effective_due_for(assignment: Assignment, student: User) -> datetime | None:
    """The due time that applies to the student: their extension's, else the assignment's."""
    raise NotImplementedError


def effective_lock_for(assignment: Assignment, student: User) -> datetime | None:
    """The closing time that applies to the student: their extension's, else the assignment's."""
    raise NotImplementedError


def attempts_used(assignment: Assignment, student: User) -> int:
    """How many attempts the student has submitted."""
    raise NotImplementedError


def attempts_left(assignment: Assignment, student: User) -> int | None:
    """Attempts the student may still submit (extension included); `None` means unlimited."""
    raise NotImplementedError


def submissions_for_student(assignment: Assignment, student: User) -> QuerySet[Submission]:
    """The student's attempts at the assignment, drafts included, oldest first."""
    raise NotImplementedError


def assignments_for_course(*, course: Course, include_unpublished: bool) -> QuerySet[Assignment]:
    """The course's assignments in course order, with their category."""
    raise NotImplementedError
