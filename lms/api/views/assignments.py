"""Assignments, questions, submissions (create = submit) and answers."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from lms.api.filters import AnswerFilter, AssignmentFilter, QuestionFilter, SubmissionFilter
from lms.api.idempotency import HEADER, MAX_KEY_CHARS, idempotent
from lms.api.schema import ErrorSerializer
from lms.api.serializers import (
    AnswerSerializer,
    AssignmentSerializer,
    QuestionSerializer,
    SubmissionFeedbackSerializer,
    SubmissionSerializer,
    SubmitSerializer,
)
from lms.api.views.base import ScopedViewSet
from lms.assignments.models import Answer, Assignment, Question, Submission
from lms.assignments.services import submission_submit
from mlcore.selectors.feedback import feedback_for_submission

ReadOnly = (mixins.ListModelMixin, mixins.RetrieveModelMixin)


def visible_assignments(view: ScopedViewSet, path: str = "") -> Q:
    """Graders see every assignment of their courses; students the published ones."""
    access = view.access
    return access.grader(f"{path}course_id") | (
        access.member(f"{path}course_id") & Q(**{f"{path}is_published": True})
    )


class AssignmentViewSet(*ReadOnly, ScopedViewSet):  # type: ignore[misc]
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter
    ordering_fields = ["position", "due_at", "title", "created_at"]

    queryset = Assignment.objects.none()

    def scoped_queryset(self) -> QuerySet[Assignment]:
        return Assignment.objects.filter(visible_assignments(self)).order_by(
            "course_id", "position", "due_at", "id"
        )


class QuestionViewSet(*ReadOnly, ScopedViewSet):  # type: ignore[misc]
    """Questions with their choices and rubric; the answer key for graders only."""

    serializer_class = QuestionSerializer
    filterset_class = QuestionFilter
    ordering_fields = ["position"]

    queryset = Question.objects.none()

    def scoped_queryset(self) -> QuerySet[Question]:
        return (
            Question.objects.filter(visible_assignments(self, "assignment__"))
            .select_related("assignment")
            .prefetch_related("choices", "criteria__levels", "skills")
            .order_by("assignment_id", "position", "id")
        )


class SubmissionViewSet(*ReadOnly, ScopedViewSet):  # type: ignore[misc]
    """Students see their own attempts; teachers and TAs every attempt in their courses.

    POST submits (the same service as the submit page: attempt number, lateness, rule grading,
    AI scoring enqueued on commit) and honours `Idempotency-Key`.
    """

    serializer_class = SubmissionSerializer
    filterset_class = SubmissionFilter
    ordering_fields = ["submitted_at", "attempt", "started_at"]

    queryset = Submission.objects.none()

    def scoped_queryset(self) -> QuerySet[Submission]:
        access = self.access
        own = access.member("assignment__course_id") & Q(student_id=access.user_id)
        return Submission.objects.filter(access.grader("assignment__course_id") | own).order_by(
            "assignment_id", "student_id", "attempt", "id"
        )

    @extend_schema(
        request=SubmitSerializer,
        responses={201: SubmissionSerializer, 422: ErrorSerializer},
        parameters=[
            OpenApiParameter(
                HEADER,
                str,
                OpenApiParameter.HEADER,
                description=(
                    f"At most {MAX_KEY_CHARS} characters. A retry with the same key and body "
                    "gets the first response again (`Idempotent-Replayed: true`); the same key "
                    "with another body is refused (422)."
                ),
            )
        ],
    )
    def create(self, request: Request) -> Response:
        serializer = SubmitSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data

        def submit() -> tuple[int, Any]:
            assignment = (
                Assignment.objects.filter(visible_assignments(self), pk=data["assignment"])
                .select_related("course")
                .first()
            )
            if assignment is None:
                raise ValidationError({"assignment": ["No such assignment."]})
            submission = submission_submit(
                student=self.user, assignment=assignment, answers=data["answers"]
            )
            return status.HTTP_201_CREATED, SubmissionSerializer(submission).data

        return idempotent(request, submit)

    @extend_schema(responses=SubmissionFeedbackSerializer, filters=False)
    @action(detail=True, pagination_class=None, filter_backends=[])
    def feedback(self, request: Request, pk: str | None = None) -> Response:
        """The AI feedback the caller may see: the student's view (released or provisional,
        no model internals) or the graders' view (confidence, version, similar answers)."""
        submission = self.get_object()
        feedback = feedback_for_submission(submission=submission, viewer=self.user)
        body = {
            "audience": feedback.audience,
            "pending": feedback.pending,
            "answers": feedback.answers,
        }
        return Response(SubmissionFeedbackSerializer(body).data)


class AnswerViewSet(*ReadOnly, ScopedViewSet):  # type: ignore[misc]
    serializer_class = AnswerSerializer
    filterset_class = AnswerFilter
    ordering_fields = ["updated_at"]

    queryset = Answer.objects.none()

    def scoped_queryset(self) -> QuerySet[Answer]:
        access = self.access
        path = "submission__assignment__course_id"
        own = access.member(path) & Q(submission__student_id=access.user_id)
        return (
            Answer.objects.filter(access.grader(path) | own)
            .prefetch_related("choices")
            .order_by("submission_id", "question__position", "question_id", "id")
        )
