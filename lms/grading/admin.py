"""Admin for grades and their audit trail.

A grade changes only through `lms.grading.services`, which writes a `GradeEvent` for every move.
So the admin shows grades read-only (no add, change or delete: deleting would take the grade's
events with it) and offers the two moves an administrator needs as actions that call the services.
`GradeEvent` is read-only everywhere.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest

from lms.accounts.models import User
from lms.core.admin import acting_user, refusal_text
from lms.grading.models import Grade, GradeEvent
from lms.grading.services import grade_release, grade_retract


class ReadOnlyAdminMixin:
    """View-only for everyone, superusers included."""

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class GradeEventInline(ReadOnlyAdminMixin, admin.TabularInline[GradeEvent, Grade]):
    model = GradeEvent
    fields = (
        "created_at",
        "actor",
        "source",
        "from_state",
        "to_state",
        "from_points",
        "to_points",
        "reason",
    )
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[GradeEvent]:
        return super().get_queryset(request).select_related("actor")


@admin.register(Grade)
class GradeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[Grade]):
    list_display = (
        "answer",
        "student",
        "assignment",
        "state",
        "points",
        "source",
        "graded_by",
        "released_at",
    )
    list_select_related = (
        "answer__submission__student",
        "answer__submission__assignment",
        "graded_by",
    )
    list_filter = ("state", "source", "answer__question__kind")
    search_fields = (
        "answer__submission__student__email",
        "answer__submission__assignment__title",
        "comment",
    )
    date_hierarchy = "updated_at"
    inlines = (GradeEventInline,)
    actions = ("release", "retract")

    @admin.display(description="student", ordering="answer__submission__student__email")
    def student(self, grade: Grade) -> str:
        return str(grade.answer.submission.student)

    @admin.display(description="assignment", ordering="answer__submission__assignment__title")
    def assignment(self, grade: Grade) -> str:
        return str(grade.answer.submission.assignment)

    @admin.action(description="Release the selected draft grades")
    def release(self, request: HttpRequest, queryset: QuerySet[Grade]) -> None:
        self._each(request, queryset, lambda actor, grade: grade_release(actor=actor, grade=grade))

    @admin.action(description="Take the selected released grades back to draft")
    def retract(self, request: HttpRequest, queryset: QuerySet[Grade]) -> None:
        self._each(
            request,
            queryset,
            lambda actor, grade: grade_retract(
                actor=actor, grade=grade, reason="Taken back to draft in the admin."
            ),
        )

    def _each(
        self,
        request: HttpRequest,
        queryset: QuerySet[Grade],
        move: Callable[[User, Grade], Grade],
    ) -> None:
        done = 0
        for grade in queryset:
            try:
                move(acting_user(request), grade)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"Grade {grade.pk}: {refusal_text(exc)}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, f"{done} grade(s) changed.", messages.SUCCESS)


@admin.register(GradeEvent)
class GradeEventAdmin(ReadOnlyAdminMixin, admin.ModelAdmin[GradeEvent]):
    list_display = (
        "created_at",
        "grade",
        "actor",
        "source",
        "from_state",
        "to_state",
        "from_points",
        "to_points",
        "reason",
    )
    list_select_related = ("actor", "grade")
    list_filter = ("to_state", "source")
    search_fields = ("actor__email", "reason", "grade__answer__submission__student__email")
    date_hierarchy = "created_at"
