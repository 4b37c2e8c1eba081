"""Grades: graders set drafts, release and retract; students read their released grades."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from lms.api.filters import GradeFilter
from lms.api.serializers import GradeSerializer, GradeSetSerializer
from lms.api.views.base import ScopedViewSet
from lms.assignments.models import Answer, Level
from lms.grading.models import Grade, GradeState
from lms.grading.services import grade_release, grade_retract, grade_set

COURSE = "answer__submission__assignment__course_id"


class GradeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Every grade of the courses the caller grades; a student's own released grades only
    (never a suggestion or a draft, so never an unreleased comment or points)."""

    serializer_class = GradeSerializer
    filterset_class = GradeFilter
    ordering_fields = ["updated_at", "released_at", "points"]

    queryset = Grade.objects.none()

    def scoped_queryset(self) -> QuerySet[Grade]:
        access = self.access
        own = (
            access.member(COURSE)
            & Q(answer__submission__student_id=access.user_id)
            & Q(state=GradeState.RELEASED)
        )
        return (
            Grade.objects.filter(access.grader(COURSE) | own)
            .prefetch_related("levels")
            .order_by("answer_id", "id")
        )

    def _graded_answer(self, answer_id: int) -> Answer:
        access = self.access
        answer = (
            Answer.objects.filter(access.grader("submission__assignment__course_id"), pk=answer_id)
            .select_related("question__assignment__course", "submission")
            .first()
        )
        if answer is not None:
            return answer
        readable = Answer.objects.filter(
            access.member("submission__assignment__course_id"),
            Q(submission__student_id=access.user_id),
            pk=answer_id,
        )
        if readable.exists():
            raise PermissionDenied("Only the course's teachers and TAs can grade its work.")
        raise ValidationError({"answer": ["No such answer."]})

    def _grader_grade(self) -> Grade:
        grade: Grade = self.get_object()
        if not self.access.is_grader_of(grade.answer.submission.assignment.course_id):
            raise PermissionDenied("Only the course's teachers and TAs can grade its work.")
        return grade

    @extend_schema(request=GradeSetSerializer, responses={201: GradeSerializer})
    def create(self, request: Request) -> Response:
        """Decide an answer's grade: a draft (released at once under the automatic policy)."""
        serializer = GradeSetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        answer = self._graded_answer(data["answer"])
        levels = None
        if "levels" in data:
            levels = list(Level.objects.filter(pk__in=data["levels"]))
            if len(levels) != len(set(data["levels"])):
                raise ValidationError({"levels": ["No such rubric level."]})
        grade = grade_set(
            actor=self.user,
            answer=answer,
            points=data.get("points"),
            comment=data.get("comment"),
            levels=levels,
            reason=data.get("reason", ""),
        )
        return Response(GradeSerializer(grade).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=GradeSerializer)
    @action(detail=True, methods=["post"])
    def release(self, request: Request, pk: str | None = None) -> Response:
        """Show a draft grade to the student."""
        grade = grade_release(actor=self.user, grade=self._grader_grade())
        return Response(GradeSerializer(grade).data)

    @extend_schema(request=None, responses=GradeSerializer)
    @action(detail=True, methods=["post"])
    def retract(self, request: Request, pk: str | None = None) -> Response:
        """Take a released grade back to draft."""
        grade = grade_retract(actor=self.user, grade=self._grader_grade())
        return Response(GradeSerializer(grade).data)
