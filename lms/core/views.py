from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from lms.accounts.models import User
from lms.courses.models import Enrollment
from lms.courses.selectors import courses_for_user
from lms.grading.student_selectors import StudentAssignment, student_assignments

DUE_SOON = timedelta(days=7)
LATEST = 5


def _due_soon(items: list[StudentAssignment]) -> list[StudentAssignment]:
    """Work not yet submitted whose own due time (extensions included) is in the next 7 days."""
    now = timezone.now()
    due = [
        item
        for item in items
        if not item.submitted and item.due is not None and now <= item.due <= now + DUE_SOON
    ]
    return sorted(due, key=lambda item: item.due or now)


def _latest(items: list[StudentAssignment]) -> list[StudentAssignment]:
    """The assignments most recently submitted, newest first: feedback and grades arrive there."""
    submitted = [item for item in items if item.submitted]
    return sorted(
        submitted,
        key=lambda item: item.submitted[-1].submitted_at or item.submitted[-1].started_at,
        reverse=True,
    )[:LATEST]


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: my courses with my role; for a student, what is due soon and the latest
    submitted work with its status (feedback, released grade)."""
    assert isinstance(request.user, User)  # login_required let only a signed-in user through
    enrollments = courses_for_user(user=request.user)
    studying = [
        e.course_id for e in enrollments if e.role == Enrollment.Role.STUDENT and e.is_active
    ]
    items = student_assignments(student=request.user, course_ids=studying) if studying else []
    context = {
        "enrollments": enrollments,
        "due_soon": _due_soon(items),
        "latest": _latest(items),
        "is_student": bool(studying),
    }
    return render(request, "core/home.html", context)
