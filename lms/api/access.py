"""Who may read what: the caller's role in each course, read once per request.

Every viewset filters its queryset with these `Q` objects, so a list never holds a row its caller
may not read, and an object outside the caller's scope is a 404 rather than a 403 (its existence
is not disclosed). Site staff (administrators) act as graders of every course, as the services do.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q
from rest_framework.request import Request

from lms.accounts.models import User
from lms.courses.models import Enrollment

GRADER_ROLES = (Enrollment.Role.TEACHER, Enrollment.Role.TA)


@dataclass(frozen=True)
class Access:
    user_id: int
    site_staff: bool
    roles: dict[int, str]  # course id -> role, active enrolments only

    def _courses(self, path: str, roles: tuple[str, ...] | None) -> Q:
        if self.site_staff:
            return Q()
        ids = [c for c, role in self.roles.items() if roles is None or role in roles]
        return Q(**{f"{path}__in": ids})

    def member(self, path: str) -> Q:
        """Rows of any course the caller belongs to; `path` leads to the course id."""
        return self._courses(path, None)

    def grader(self, path: str) -> Q:
        """Rows of the courses the caller teaches or assists."""
        return self._courses(path, GRADER_ROLES)

    def teacher(self, path: str) -> Q:
        """Rows of the courses the caller teaches."""
        return self._courses(path, (Enrollment.Role.TEACHER,))

    def student(self, path: str) -> Q:
        if self.site_staff:
            return Q(pk__in=[])
        return self._courses(path, (Enrollment.Role.STUDENT,))

    def is_grader_of(self, course_id: int) -> bool:
        return self.site_staff or self.roles.get(course_id) in GRADER_ROLES


def access_for(request: Request) -> Access:
    """The caller's access, computed with one query and kept on the request."""
    cached: Access | None = getattr(request, "_aula_access", None)
    if cached is not None:
        return cached
    user = request.user
    assert isinstance(user, User)
    access = Access(
        user_id=user.pk,
        site_staff=user.is_staff,
        roles=dict(
            Enrollment.objects.filter(user_id=user.pk, is_active=True).values_list(
                "course_id", "role"
            )
        ),
    )
    request._aula_access = access  # type: ignore[attr-defined]
    return access
