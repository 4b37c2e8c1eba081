"""What every page asks first: who is signed in, and may they reach this course or assignment.

Anyone who may not gets 404, never 403, so that ids reveal nothing. The checks themselves
(`can_manage_course`, `can_grade_course`, ...) live in `lms.courses.selectors`; views pass the one
their page needs.
"""

from __future__ import annotations

from typing import Protocol

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from lms.accounts.models import User
from lms.assignments.models import Assignment
from lms.courses.models import Course


class CourseCheck(Protocol):
    def __call__(self, *, user: User, course: Course) -> bool: ...


def signed_in(request: HttpRequest) -> User:
    """The request's user, for views behind `login_required`."""
    assert isinstance(request.user, User)  # login_required let only a signed-in user through
    return request.user


def course_or_404(request: HttpRequest, course_id: int, may: CourseCheck) -> Course:
    course = get_object_or_404(Course, pk=course_id)
    if not may(user=signed_in(request), course=course):
        raise Http404("No such course.")
    return course


def assignment_or_404(request: HttpRequest, assignment_id: int, may: CourseCheck) -> Assignment:
    """The assignment with its course loaded, if `may` allows the user its course."""
    assignment = get_object_or_404(Assignment.objects.select_related("course"), pk=assignment_id)
    if not may(user=signed_in(request), course=assignment.course):
        raise Http404("No such assignment.")
    return assignment
