"""Courses, their rosters, skills and gradebooks."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.utils.text import slugify
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from lms.api.filters import EnrollmentFilter, SkillFilter
from lms.api.renderers import CSVRenderer
from lms.api.serializers import (
    CourseSerializer,
    EnrollmentSerializer,
    GradebookSerializer,
    SkillSerializer,
)
from lms.api.views.base import ScopedViewSet
from lms.courses.models import Course, Enrollment, Skill
from lms.grading.export import gradebook_csv
from lms.grading.selectors import Gradebook, gradebook_for_course

ReadOnly = (mixins.ListModelMixin, mixins.RetrieveModelMixin)


def _gradebook_data(book: Gradebook) -> dict[str, Any]:
    return {
        "weighted": book.weighted,
        "assignments": [vars(a) for a in book.assignments],
        "categories": [vars(c) for c in book.categories],
        "rows": [
            {
                "student_id": row.student_id,
                "email": row.email,
                "name": row.name,
                "scores": [{"id": k, "value": v} for k, v in row.scores.items()],
                "category_percents": [
                    {"id": k, "value": v} for k, v in row.category_percents.items()
                ],
                "total_percent": row.total_percent,
            }
            for row in book.rows
        ],
    }


class CourseViewSet(*ReadOnly, ScopedViewSet):  # type: ignore[misc]
    """The courses the caller is enrolled in (any role)."""

    serializer_class = CourseSerializer
    ordering_fields = ["code", "term", "title", "created_at"]

    queryset = Course.objects.none()

    def scoped_queryset(self) -> QuerySet[Course]:
        return Course.objects.filter(self.access.member("id")).order_by("-term", "code", "id")

    def _graded_course(self) -> Course:
        course: Course = self.get_object()
        if not self.access.is_grader_of(course.pk):
            raise PermissionDenied("Only the course's teachers and TAs see its gradebook.")
        return course

    @extend_schema(responses=GradebookSerializer, filters=False)
    @action(detail=True, pagination_class=None, filter_backends=[])
    def gradebook(self, request: Request, pk: str | None = None) -> Response:
        """Students x published assignments, with category percents and the total."""
        book = gradebook_for_course(course=self._graded_course())
        return Response(GradebookSerializer(_gradebook_data(book)).data)

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR)}, filters=False)
    @action(
        detail=True,
        url_path="gradebook/csv",
        pagination_class=None,
        filter_backends=[],
        renderer_classes=[CSVRenderer, JSONRenderer],
    )
    def gradebook_csv(self, request: Request, pk: str | None = None) -> HttpResponse:
        """The gradebook as CSV, as the admin exports it."""
        course = self._graded_course()
        response = HttpResponse(gradebook_csv(course), content_type="text/csv; charset=utf-8")
        name = f"gradebook-{slugify(course.code)}-{slugify(course.term) or 'no-term'}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class EnrollmentViewSet(*ReadOnly, ScopedViewSet):  # type: ignore[misc]
    """Rosters: teachers and TAs see their courses' rosters; a student sees their own rows."""

    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilter
    ordering_fields = ["created_at", "role", "user__email"]

    queryset = Enrollment.objects.none()

    def scoped_queryset(self) -> QuerySet[Enrollment]:
        own = self.access.member("course_id") & Q(user_id=self.access.user_id)
        return (
            Enrollment.objects.filter(self.access.grader("course_id") | own)
            .select_related("user")
            .order_by("course_id", "role", "user__email", "id")
        )


class SkillViewSet(*ReadOnly, ScopedViewSet):  # type: ignore[misc]
    serializer_class = SkillSerializer
    filterset_class = SkillFilter
    ordering_fields = ["name"]

    queryset = Skill.objects.none()

    def scoped_queryset(self) -> QuerySet[Skill]:
        return Skill.objects.filter(self.access.member("course_id")).order_by("course_id", "name")
