"""Predictions, scoring models, training runs and model versions: graders of the course only.

A student never reaches these (their AI feedback is `submissions/{id}/feedback/`): the lists
are empty for them and the objects 404.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from lms.api.filters import (
    ModelVersionFilter,
    PredictionFilter,
    ScoringModelFilter,
    TrainingRunFilter,
)
from lms.api.receivers import run_finished
from lms.api.serializers import (
    ModelVersionSerializer,
    PredictionSerializer,
    ScoringModelSerializer,
    TrainingRunSerializer,
    TrainingStartSerializer,
    VersionActivateSerializer,
)
from lms.api.views.base import ScopedViewSet
from mlcore.models import ModelVersion, Prediction, ScoringModel, TrainingRun
from mlcore.services.registry import scoring_model_update, version_activate
from mlcore.services.training import training_run_cancel, training_run_start

ReadOnly = (mixins.ListModelMixin, mixins.RetrieveModelMixin)
MODEL_COURSE = "question__assignment__course_id"


class PredictionViewSet(*ReadOnly, ScopedViewSet):  # type: ignore[misc]
    serializer_class = PredictionSerializer
    filterset_class = PredictionFilter
    ordering_fields = ["created_at", "score", "confidence"]

    queryset = Prediction.objects.none()

    def scoped_queryset(self) -> QuerySet[Prediction]:
        return Prediction.objects.filter(
            self.access.grader("answer__submission__assignment__course_id")
        ).order_by("answer_id", "-created_at", "-id")


class ScoringModelViewSet(*ReadOnly, mixins.UpdateModelMixin, ScopedViewSet):  # type: ignore[misc]
    serializer_class = ScoringModelSerializer
    filterset_class = ScoringModelFilter
    ordering_fields = ["created_at", "updated_at"]
    http_method_names = ["get", "patch", "head", "options"]

    queryset = ScoringModel.objects.none()

    def scoped_queryset(self) -> QuerySet[ScoringModel]:
        return ScoringModel.objects.filter(self.access.grader(MODEL_COURSE)).order_by("id")

    def perform_update(self, serializer: ScoringModelSerializer) -> None:  # type: ignore[override]
        data = serializer.validated_data
        serializer.instance = scoring_model_update(
            actor=self.user,
            scoring_model=self.get_object(),
            family=data.get("family"),
            loss=data.get("loss"),
            retrain_threshold=data.get("retrain_threshold"),
            suggestions_enabled=data.get("suggestions_enabled"),
        )


class TrainingRunViewSet(*ReadOnly, ScopedViewSet):  # type: ignore[misc]
    """Runs with their progress and loss curve. POST starts one (or returns the run already in
    flight for that model); `cancel` stops it."""

    serializer_class = TrainingRunSerializer
    filterset_class = TrainingRunFilter
    ordering_fields = ["created_at", "finished_at"]

    queryset = TrainingRun.objects.none()

    def scoped_queryset(self) -> QuerySet[TrainingRun]:
        return TrainingRun.objects.filter(
            self.access.grader(f"scoring_model__{MODEL_COURSE}")
        ).order_by("-created_at", "-id")

    @extend_schema(request=TrainingStartSerializer, responses={201: TrainingRunSerializer})
    def create(self, request: Request) -> Response:
        serializer = TrainingStartSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data: dict[str, Any] = serializer.validated_data
        scoring_model = ScoringModel.objects.filter(
            self.access.grader(MODEL_COURSE), pk=data["scoring_model"]
        ).first()
        if scoring_model is None:
            raise ValidationError({"scoring_model": ["No such scoring model."]})
        run = training_run_start(actor=self.user, scoring_model=scoring_model)
        return Response(TrainingRunSerializer(run).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=TrainingRunSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        run = training_run_cancel(actor=self.user, run=self.get_object())
        # A queued run is cancelled here and now, with no task to announce it.
        transaction.on_commit(lambda: run_finished(run.pk))
        return Response(TrainingRunSerializer(run).data)


class ModelVersionViewSet(*ReadOnly, ScopedViewSet):  # type: ignore[misc]
    """Trained versions; `activate` promotes one or restores an earlier one (rollback)."""

    serializer_class = ModelVersionSerializer
    filterset_class = ModelVersionFilter
    ordering_fields = ["number", "created_at"]

    queryset = ModelVersion.objects.none()

    def scoped_queryset(self) -> QuerySet[ModelVersion]:
        return ModelVersion.objects.filter(
            self.access.grader(f"scoring_model__{MODEL_COURSE}")
        ).order_by("scoring_model_id", "-number")

    @extend_schema(request=VersionActivateSerializer, responses=ModelVersionSerializer)
    @action(detail=True, methods=["post"])
    def activate(self, request: Request, pk: str | None = None) -> Response:
        serializer = VersionActivateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = version_activate(
            actor=self.user,
            version=self.get_object(),
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(ModelVersionSerializer(version).data)
