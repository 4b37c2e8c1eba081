"""The assignment analytics page, for the course's teachers and TAs (404 for everyone else)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from lms.accounts.models import User
from lms.assignments.analytics import POOR_DISCRIMINATION, assignment_analytics
from lms.assignments.models import Assignment
from lms.courses.selectors import can_grade_course


@login_required
@require_GET
def assignment_analytics_page(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = get_object_or_404(Assignment.objects.select_related("course"), pk=assignment_id)
    user = request.user
    assert isinstance(user, User)
    if not can_grade_course(user=user, course=assignment.course):
        raise Http404("No such assignment.")
    context = {
        "stats": assignment_analytics(assignment=assignment),
        "course": assignment.course,
        "poor": POOR_DISCRIMINATION,
    }
    return render(request, "assignments/analytics.html", context)
