"""Admin for courses, enrolments and skills.

Actions are thin adapters over the services: the join code is rotated by `course_rotate_join_code`
and the gradebook comes from `lms.grading.export`, so the admin obeys the same rules as the pages.
"""

from __future__ import annotations

import io
import zipfile

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.text import slugify

from lms.assignments.models import Category
from lms.core.admin import acting_user, refusal_text
from lms.courses.models import Course, Enrollment, Skill
from lms.courses.services import course_rotate_join_code
from lms.grading.export import gradebook_csv

LATE_POLICY_FIELDS = (
    "late_submissions_accepted",
    ("late_deduction_percent", "late_interval"),
    "late_minimum_percent",
    ("missing_deduction_enabled", "missing_deduction_percent"),
)


class EnrollmentInline(admin.TabularInline[Enrollment, Course]):
    """The roster. The person of an existing row is shown, not edited: an autocomplete widget per
    row would cost one query per enrolment, and moving an enrolment to another person is never
    what an administrator means."""

    model = Enrollment
    fields = ("user", "role", "is_active", "created_at")
    readonly_fields = ("user", "created_at")
    extra = 0
    verbose_name_plural = "enrolments"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Enrollment]:
        return super().get_queryset(request).select_related("user", "course")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class EnrollmentAddInline(admin.TabularInline[Enrollment, Course]):
    """Empty rows to add people to the roster, with a search box for the person."""

    model = Enrollment
    fields = ("user", "role")
    autocomplete_fields = ("user",)
    extra = 1
    verbose_name = "new enrolment"
    verbose_name_plural = "add people"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Enrollment]:
        return super().get_queryset(request).none()


class SkillInline(admin.TabularInline[Skill, Course]):
    model = Skill
    fields = ("name", "description")
    extra = 0


class CategoryInline(admin.TabularInline[Category, Course]):
    model = Category
    fields = ("name", "weight", "position")
    extra = 0


def _gradebook_filename(course: Course) -> str:
    return f"gradebook-{slugify(course.code)}-{slugify(course.term) or 'no-term'}.csv"


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin[Course]):
    list_display = (
        "code",
        "title",
        "term",
        "student_count",
        "join_code",
        "joining_enabled",
        "ai_feedback",
        "is_archived",
    )
    list_filter = ("is_archived", "joining_enabled", "ai_feedback", "term")
    search_fields = ("code", "title", "term", "join_code")
    readonly_fields = ("join_code", "join_code_rotated_at", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("code", "title", "term", "description", "is_archived")}),
        (
            "Joining",
            {"fields": ("join_code", "join_code_rotated_at", "joining_enabled")},
        ),
        ("Students' view", {"fields": ("ai_feedback",)}),
        ("Default late policy of new assignments", {"fields": LATE_POLICY_FIELDS}),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (EnrollmentInline, EnrollmentAddInline, SkillInline, CategoryInline)
    actions = ("rotate_join_code", "export_gradebook")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Course]:
        active_students = Q(enrollments__role=Enrollment.Role.STUDENT, enrollments__is_active=True)
        return (
            super()
            .get_queryset(request)
            .annotate(student_count=Count("enrollments", filter=active_students))
        )

    @admin.display(description="students", ordering="student_count")
    def student_count(self, course: Course) -> int:
        count: int = course.student_count  # type: ignore[attr-defined]  # annotated in get_queryset
        return count

    @admin.action(description="Rotate join code", permissions=["change"])
    def rotate_join_code(self, request: HttpRequest, queryset: QuerySet[Course]) -> None:
        rotated = 0
        for course in queryset:
            try:
                course_rotate_join_code(actor=acting_user(request), course=course)
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{course}: {refusal_text(exc)}", messages.ERROR)
            else:
                rotated += 1
        if rotated:
            self.message_user(request, f"New join codes for {rotated} course(s).", messages.SUCCESS)

    @admin.action(description="Export gradebook CSV", permissions=["view"])
    def export_gradebook(self, request: HttpRequest, queryset: QuerySet[Course]) -> HttpResponse:
        courses = list(queryset)
        if len(courses) == 1:
            response = HttpResponse(gradebook_csv(courses[0]), content_type="text/csv")
            response["Content-Disposition"] = (
                f'attachment; filename="{_gradebook_filename(courses[0])}"'
            )
            return response
        # Several courses: one CSV each, in one download.
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for course in courses:
                archive.writestr(_gradebook_filename(course), gradebook_csv(course))
        response = HttpResponse(buffer.getvalue(), content_type="application/zip")
        response["Content-Disposition"] = 'attachment; filename="gradebooks.zip"'
        return response


@admin.register(Enrollment)
class EnrollmentAdmin(admin.ModelAdmin[Enrollment]):
    list_display = ("user", "course", "role", "is_active", "created_at")
    list_select_related = ("user", "course")
    list_filter = ("role", "is_active", "course__term")
    search_fields = ("user__email", "user__display_name", "course__code", "course__title")
    autocomplete_fields = ("user", "course")
    readonly_fields = ("created_at",)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin[Skill]):
    list_display = ("name", "course")
    list_select_related = ("course",)
    list_filter = ("course__term",)
    search_fields = ("name", "course__code", "course__title")
    autocomplete_fields = ("course",)
