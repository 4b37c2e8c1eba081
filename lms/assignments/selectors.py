"""Read-only queries about assignments, extensions and submissions."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet

from lms.accounts.models import User
from lms.assignments.models import Assignment, Extension, Submission
from lms.courses.models import Course


def extension_for(assignment: Assignment, student: User) -> Extension | None:
    """The student's extension on the assignment, if any."""
    return Extension.objects.filter(assignment=assignment, student=student).first()


def effective_due_for(
    assignment: Assignment, student: User, *, extension: Extension | None = None
) -> datetime | None:
    """The due time that applies to the student: their extension's, else the assignment's.

    Pass `extension` when it is already loaded, to save the query.
    """
    extension = extension or extension_for(assignment, student)
    if extension is not None and extension.due_at is not None:
        return extension.due_at
    return assignment.due_at


def effective_lock_for(
    assignment: Assignment, student: User, *, extension: Extension | None = None
) -> datetime | None:
    """The closing time that applies to the student: their extension's, else the assignment's."""
    extension = extension or extension_for(assignment, student)
    if extension is not None and extension.lock_at is not None:
        return extension.lock_at
    return assignment.lock_at


def attempts_used(assignment: Assignment, student: User) -> int:
    """How many attempts the student has submitted."""
    return Submission.objects.filter(
        assignment=assignment, student=student, status=Submission.Status.SUBMITTED
    ).count()


def attempts_allowed(
    assignment: Assignment, student: User, *, extension: Extension | None = None
) -> int | None:
    """The student's attempt allowance (extension included); `None` means unlimited."""
    if assignment.max_attempts is None:
        return None
    extension = extension or extension_for(assignment, student)
    return assignment.max_attempts + (extension.extra_attempts if extension else 0)


def attempts_left(assignment: Assignment, student: User) -> int | None:
    """Attempts the student may still submit (extension included); `None` means unlimited."""
    allowed = attempts_allowed(assignment, student)
    if allowed is None:
        return None
    return max(allowed - attempts_used(assignment, student), 0)


def submissions_for_student(assignment: Assignment, student: User) -> QuerySet[Submission]:
    """The student's attempts at the assignment, drafts included, oldest first."""
    return Submission.objects.filter(assignment=assignment, student=student).order_by("attempt")


def draft_for(assignment: Assignment, student: User) -> Submission | None:
    """The student's attempt in progress, if any."""
    return (
        submissions_for_student(assignment, student).filter(status=Submission.Status.DRAFT).first()
    )


def has_submitted_work(assignment: Assignment) -> bool:
    """Whether any student has submitted an attempt: from then on the grading is fixed."""
    return Submission.objects.filter(
        assignment=assignment, status=Submission.Status.SUBMITTED
    ).exists()


def assignments_for_course(*, course: Course, include_unpublished: bool) -> QuerySet[Assignment]:
    """The course's assignments in course order, with their category."""
    assignments = Assignment.objects.filter(course=course).select_related("category")
    if not include_unpublished:
        assignments = assignments.filter(is_published=True)
    return assignments.order_by("position", "due_at", "id")
