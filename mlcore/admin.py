"""Admin for the model registry. The services own its state, so runs, versions and predictions are
read-only here and every change (settings, start, cancel, restore) goes through them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest

from lms.core.admin import acting_user, refusal_text
from mlcore.models import ModelVersion, Prediction, ScoringModel, TrainingRun
from mlcore.services.registry import scoring_model_update, version_activate
from mlcore.services.training import training_run_cancel, training_run_start

SETTINGS_FIELDS = ("family", "loss", "retrain_threshold", "suggestions_enabled")


class ServiceOwnedAdmin(admin.ModelAdmin[Any]):
    """Rows only the services write: each row's page is read-only; actions call the services."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # The change list needs the permission for its actions; a row's own page saves nothing.
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ScoringModel)
class ScoringModelAdmin(admin.ModelAdmin[ScoringModel]):
    list_display = (
        "question",
        "course",
        "family",
        "loss",
        "retrain_threshold",
        "suggestions_enabled",
    )
    list_filter = ("family", "loss", "suggestions_enabled")
    list_select_related = ("question__assignment__course",)
    search_fields = ("question__prompt", "question__assignment__course__code")
    fields = ("question", *SETTINGS_FIELDS, "created_at", "updated_at")
    readonly_fields = ("question", "created_at", "updated_at")
    actions = ["start_training"]

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # made on demand when a text question is first scored

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # its versions hold the question's history

    @admin.display(description="course")
    def course(self, scoring_model: ScoringModel) -> str:
        return str(scoring_model.question.assignment.course)

    def save_model(
        self, request: HttpRequest, obj: ScoringModel, form: ModelForm[ScoringModel], change: bool
    ) -> None:
        changes = {name: form.cleaned_data[name] for name in SETTINGS_FIELDS}
        try:
            scoring_model_update(actor=acting_user(request), scoring_model=obj, **changes)
        except (ValidationError, PermissionDenied) as exc:
            self.message_user(request, refusal_text(exc), messages.ERROR)

    @admin.action(description="Start training now", permissions=["change"])
    def start_training(self, request: HttpRequest, queryset: QuerySet[ScoringModel]) -> None:
        for scoring_model in queryset:
            try:
                run = training_run_start(actor=acting_user(request), scoring_model=scoring_model)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{scoring_model}: {refusal_text(exc)}", messages.ERROR)
            else:
                text = f"{scoring_model}: run {run.pk} is {run.get_status_display().lower()}."
                self.message_user(request, text, messages.SUCCESS)


@admin.register(TrainingRun)
class TrainingRunAdmin(ServiceOwnedAdmin):
    list_display = (
        "id",
        "scoring_model",
        "status",
        "progress",
        "stage",
        "family",
        "trigger",
        "promoted",
        "attempts",
        "created_at",
    )
    list_filter = ("status", "trigger", "family", "promoted", "queue")
    list_select_related = ("scoring_model",)
    date_hierarchy = "created_at"
    actions = ["cancel_runs"]

    @admin.action(description="Cancel the selected runs", permissions=["change"])
    def cancel_runs(self, request: HttpRequest, queryset: QuerySet[TrainingRun]) -> None:
        for run in queryset.select_related("scoring_model"):
            try:
                run = training_run_cancel(actor=acting_user(request), run=run)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"Run {run.pk}: {refusal_text(exc)}", messages.ERROR)
            else:
                self.message_user(request, f"Run {run.pk}: {run.get_status_display()}.")


@admin.register(ModelVersion)
class ModelVersionAdmin(ServiceOwnedAdmin):
    list_display = ("__str__", "number", "family", "status", "is_active", "qwk", "created_at")
    list_filter = ("status", "is_active", "family")
    list_select_related = ("scoring_model",)
    actions = ["restore"]

    @admin.display(description="held-out QWK")
    def qwk(self, version: ModelVersion) -> Any:
        return version.metrics.get("qwk")

    @admin.action(description="Make the selected version active (restore)", permissions=["change"])
    def restore(self, request: HttpRequest, queryset: QuerySet[ModelVersion]) -> None:
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one version to restore.", messages.ERROR)
            return
        version = queryset.get()
        try:
            version_activate(actor=acting_user(request), version=version, reason="admin restore")
        except (ValidationError, PermissionDenied) as exc:
            self.message_user(request, refusal_text(exc), messages.ERROR)
        else:
            self.message_user(request, f"{version} is active.", messages.SUCCESS)


@admin.register(Prediction)
class PredictionAdmin(ServiceOwnedAdmin):
    list_display = ("answer", "kind", "version", "score", "low", "high", "confidence", "latency_ms")
    list_filter = ("kind",)
    list_select_related = ("answer", "version__scoring_model")
    raw_id_fields = ("answer", "version")
