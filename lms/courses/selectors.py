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


def course_role(*, user: User, course: Course) -> str | None:
    """The user's role in the course (`Enrollment.Role` value) while enrolled and active."""
    enrollment = enrollment_for(user=user, course=course)
    return enrollment.role if enrollment else None


def can_manage_course(*, user: User, course: Course) -> bool:
    """Teachers of the course and site staff edit it and its roster; TAs do not."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    return course_role(user=user, course=course) == Enrollment.Role.TEACHER


def can_grade_course(*, user: User, course: Course) -> bool:
    """Teachers and TAs of the course, and site staff, grade its work; students never."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_staff:
        return True
    return course_role(user=user, course=course) in (Enrollment.Role.TEACHER, Enrollment.Role.TA)


def active_student_ids(*, course: Course) -> list[int]:
    """Ids of the course's active students, in e-mail order."""
    return list(
        Enrollment.objects.filter(course=course, role=Enrollment.Role.STUDENT, is_active=True)
        .order_by("user__email")
        .values_list("user_id", flat=True)
    )
