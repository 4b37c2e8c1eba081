"""The plain Django views of the API benchmark (see bench_api_site.py), and its URL root."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import HttpRequest, JsonResponse
from django.urls import include, path

from lms.api.services import token_for_key
from lms.assignments.models import Submission
from lms.courses.models import Enrollment

FIELDS = (
    "id",
    "assignment_id",
    "student_id",
    "attempt",
    "status",
    "started_at",
    "submitted_at",
    "is_late",
    "minutes_late",
)
GRADER_ROLES = (Enrollment.Role.TEACHER, Enrollment.Role.TA)


def _visible(request: HttpRequest) -> Any:
    """The submissions the token's user reads (as SubmissionViewSet scopes them), or None."""
    key = request.headers.get("Authorization", "").removeprefix("Bearer ")
    token = token_for_key(key) if key else None
    if token is None:
        return None
    roles = dict(
        Enrollment.objects.filter(user_id=token.user_id, is_active=True).values_list(
            "course_id", "role"
        )
    )
    graded = [course for course, role in roles.items() if role in GRADER_ROLES]
    own = Q(assignment__course_id__in=list(roles), student_id=token.user_id)
    return Submission.objects.filter(Q(assignment__course_id__in=graded) | own).order_by(
        "assignment_id", "student_id", "attempt", "id"
    )


def _unauthorised() -> JsonResponse:
    return JsonResponse({"error": {"code": "not_authenticated"}}, status=401)


def plain_submissions(request: HttpRequest) -> JsonResponse:
    rows = _visible(request)
    if rows is None:
        return _unauthorised()
    per_page = min(int(request.GET.get("per_page", "10")), 100)
    return JsonResponse(list(rows.values(*FIELDS)[:per_page]), safe=False)


def plain_submission(request: HttpRequest, pk: int) -> JsonResponse:
    rows = _visible(request)
    if rows is None:
        return _unauthorised()
    row = rows.filter(pk=pk).values(*FIELDS).first()
    if row is None:
        return JsonResponse({"error": {"code": "not_found"}}, status=404)
    return JsonResponse(row)


urlpatterns = [
    path("bench/plain/submissions/", plain_submissions),
    path("bench/plain/submissions/<int:pk>/", plain_submission),
    path("", include("lms.urls")),
]
