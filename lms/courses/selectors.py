"""Read-only queries about courses and enrolments."""

from __future__ import annotations

from django.db.models import QuerySet

from lms.accounts.models import User
from lms.courses.models import Course, Enrollment


def courses_for_user(*, user: User) -> QuerySet[Enrollment]:
    """The user's active enrolments, with their course, newest term first."""
    return (
        Enrollment.objects.filter(user=user, is_active=True, course__is_archived=False)
        .select_related("course")
        .order_by("-course__term", "course__code")
    )


def enrollment_for(*, user: User, course: Course) -> Enrollment | None:
    """The user's active enrolment in the course, if any."""
    if not user.is_authenticated:
        return None
    return Enrollment.objects.filter(user=user, course=course, is_active=True).first()
