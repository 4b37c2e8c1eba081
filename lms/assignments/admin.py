"""Admin for assignments, questions with their choices and rubric, submissions and answers.

Nested inlines do not exist in Django's admin, so a rubric is edited in two steps: criteria in
their question, levels in their criterion (each inline row links to its own page).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.text import Truncator

from lms.assignments.models import (
    Answer,
    Assignment,
    Category,
    Choice,
    Criterion,
    Extension,
    Level,
    Question,
    Submission,
)
from lms.assignments.services import assignment_create, assignment_publish
from lms.core.admin import acting_user, refusal_text
from lms.core.forms import LinesField
from lms.courses.admin import LATE_POLICY_FIELDS
from lms.grading.services import assignment_grades_release

# What the add page passes to `assignment_create` besides course, title and category.
ASSIGNMENT_ADD_FIELDS = (
    "instructions",
    "position",
    "opens_at",
    "due_at",
    "lock_at",
    "max_attempts",
    "attempt_scoring",
    "release_policy",
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ("name", "course", "weight", "position")
    list_select_related = ("course",)
    list_filter = ("course__term",)
    search_fields = ("name", "course__code", "course__title")
    autocomplete_fields = ("course",)


class QuestionInline(admin.TabularInline[Question, Assignment]):
    model = Question
    fields = ("position", "kind", "prompt", "points")
    extra = 0
    show_change_link = True  # choices, rubric and answer keys are edited on the question's page
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}


class ExtensionInline(admin.TabularInline[Extension, Assignment]):
    """Extensions given. The student is shown, not edited: see `EnrollmentInline` for why."""

    model = Extension
    fields = ("student", "due_at", "lock_at", "extra_attempts", "reason")
    readonly_fields = ("student",)
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Extension]:
        return super().get_queryset(request).select_related("student", "assignment")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class ExtensionAddInline(admin.TabularInline[Extension, Assignment]):
    """An empty row to give a student an extension, with a search box for the student."""

    model = Extension
    fields = ("student", "due_at", "lock_at", "extra_attempts", "reason")
    autocomplete_fields = ("student",)
    extra = 1
    verbose_name = "new extension"
    verbose_name_plural = "give an extension"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Extension]:
        return super().get_queryset(request).none()


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin[Assignment]):
    list_display = (
        "title",
        "course",
        "category",
        "opens_at",
        "due_at",
        "question_count",
        "is_published",
        "release_policy",
    )
    list_select_related = ("course", "category")
    list_filter = ("is_published", "release_policy", "course__term")
    search_fields = ("title", "course__code", "course__title")
    autocomplete_fields = ("course", "category")
    date_hierarchy = "due_at"
    # Publishing has a rule (at least one question), so it is done by the actions, which ask
    # `assignment_publish`, not by ticking a box.
    readonly_fields = ("is_published", "created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("course", "title", "instructions", "category", "position")}),
        ("Dates", {"fields": ("opens_at", "due_at", "lock_at")}),
        ("Attempts and grades", {"fields": ("max_attempts", "attempt_scoring", "release_policy")}),
        ("Late policy", {"fields": LATE_POLICY_FIELDS}),
        ("Publishing", {"fields": ("is_published", "created_at", "updated_at")}),
    )
    inlines = (QuestionInline, ExtensionInline, ExtensionAddInline)
    actions = ("publish", "unpublish", "release_grades")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Assignment]:
        return super().get_queryset(request).annotate(question_count=Count("questions"))

    def get_fieldsets(self, request: HttpRequest, obj: Assignment | None = None) -> Any:
        if obj is not None:
            return self.fieldsets
        # A new assignment takes the course's late policy (`assignment_create` copies it) and
        # starts unpublished; both can be changed once it exists.
        return self.fieldsets[:3]

    def save_model(
        self, request: HttpRequest, obj: Assignment, form: forms.ModelForm[Assignment], change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        data = form.cleaned_data
        created = assignment_create(
            actor=acting_user(request),
            course=data["course"],
            title=data["title"],
            category=data["category"],
            **{name: data[name] for name in ASSIGNMENT_ADD_FIELDS},
        )
        # The inline formsets and the admin's log hold `obj`: make it the row just created.
        for field in Assignment._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        obj._state.db = created._state.db

    @admin.action(description="Publish", permissions=["change"])
    def publish(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        self._publish(request, queryset, published=True)

    @admin.action(description="Unpublish", permissions=["change"])
    def unpublish(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        self._publish(request, queryset, published=False)

    def _publish(
        self, request: HttpRequest, queryset: QuerySet[Assignment], *, published: bool
    ) -> None:
        done = 0
        for assignment in queryset.select_related("course"):
            try:
                assignment_publish(
                    actor=acting_user(request),
                    assignment=assignment,
                    published=published,
                )
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{assignment}: {refusal_text(exc)}", messages.ERROR)
            else:
                done += 1
        if done:
            verb = "published" if published else "unpublished"
            self.message_user(request, f"{done} assignment(s) {verb}.", messages.SUCCESS)

    @admin.display(description="questions", ordering="question_count")
    def question_count(self, assignment: Assignment) -> int:
        count: int = assignment.question_count  # type: ignore[attr-defined]  # annotated above
        return count

    @admin.action(description="Release grades", permissions=["change"])
    def release_grades(self, request: HttpRequest, queryset: QuerySet[Assignment]) -> None:
        released = 0
        for assignment in queryset.select_related("course"):
            try:
                released += assignment_grades_release(
                    actor=acting_user(request), assignment=assignment
                )
            except (ValidationError, PermissionDenied) as exc:
                self.message_user(request, f"{assignment}: {refusal_text(exc)}", messages.ERROR)
        self.message_user(request, f"{released} grade(s) released.", messages.SUCCESS)


@admin.register(Extension)
class ExtensionAdmin(admin.ModelAdmin[Extension]):
    list_display = ("student", "assignment", "due_at", "lock_at", "extra_attempts")
    list_select_related = ("student", "assignment")
    search_fields = ("student__email", "student__display_name", "assignment__title")
    autocomplete_fields = ("assignment", "student")
    readonly_fields = ("created_at",)


class QuestionAdminForm(forms.ModelForm[Question]):
    reference_answers = LinesField(
        help_text="One per line. Model answers, for AI scoring and feedback."
    )
    key_points = LinesField(
        help_text="One per line. What a full answer covers; feedback says which ones it met."
    )
    accepted_answers = LinesField(
        help_text="One per line. Short text only: exact answers that earn full points."
    )

    class Meta:
        model = Question
        fields = (
            "assignment",
            "position",
            "kind",
            "prompt",
            "points",
            "skills",
            "numeric_answer",
            "numeric_tolerance",
            "reference_answers",
            "key_points",
            "accepted_answers",
            "case_sensitive",
            "max_chars",
        )


class ChoiceInline(admin.TabularInline[Choice, Question]):
    model = Choice
    fields = ("position", "text", "is_correct")
    extra = 0


class CriterionInline(admin.TabularInline[Criterion, Question]):
    model = Criterion
    fields = ("position", "title", "description")
    extra = 0
    show_change_link = True  # levels are edited on the criterion's page


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin[Question]):
    form = QuestionAdminForm
    list_display = ("short_prompt", "assignment", "course", "kind", "points", "position")
    list_select_related = ("assignment__course",)
    list_filter = ("kind", "assignment__course__term")
    search_fields = ("prompt", "assignment__title", "assignment__course__code")
    autocomplete_fields = ("assignment", "skills")
    readonly_fields = ("created_at", "updated_at")
    fieldsets = (
        (None, {"fields": ("assignment", "position", "kind", "prompt", "points", "skills")}),
        ("Numeric", {"fields": ("numeric_answer", "numeric_tolerance")}),
        (
            "Text",
            {
                "fields": (
                    "reference_answers",
                    "key_points",
                    "accepted_answers",
                    "case_sensitive",
                    "max_chars",
                )
            },
        ),
        ("History", {"fields": ("created_at", "updated_at")}),
    )
    inlines = (ChoiceInline, CriterionInline)

    @admin.display(description="prompt", ordering="prompt")
    def short_prompt(self, question: Question) -> str:
        return Truncator(question.prompt).chars(80)

    @admin.display(description="course", ordering="assignment__course__code")
    def course(self, question: Question) -> str:
        return question.assignment.course.code


@admin.register(Choice)
class ChoiceAdmin(admin.ModelAdmin[Choice]):
    list_display = ("text", "question", "is_correct", "position")
    list_select_related = ("question",)
    list_filter = ("is_correct",)
    search_fields = ("text", "question__prompt")
    autocomplete_fields = ("question",)


class LevelInline(admin.TabularInline[Level, Criterion]):
    model = Level
    fields = ("position", "title", "points", "description")
    extra = 0


@admin.register(Criterion)
class CriterionAdmin(admin.ModelAdmin[Criterion]):
    list_display = ("title", "question", "position")
    list_select_related = ("question",)
    search_fields = ("title", "question__prompt")
    autocomplete_fields = ("question",)
    inlines = (LevelInline,)


@admin.register(Level)
class LevelAdmin(admin.ModelAdmin[Level]):
    list_display = ("title", "criterion", "points", "position")
    list_select_related = ("criterion",)
    search_fields = ("title", "criterion__title")
    autocomplete_fields = ("criterion",)


class AnswerInline(admin.TabularInline[Answer, Submission]):
    model = Answer
    fields = ("question", "text", "number")
    readonly_fields = ("question",)
    extra = 0
    show_change_link = True  # chosen choices and the grade are on the answer's page

    def get_queryset(self, request: HttpRequest) -> QuerySet[Answer]:
        return super().get_queryset(request).select_related("question")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin[Submission]):
    list_display = (
        "student",
        "assignment",
        "attempt",
        "status",
        "submitted_at",
        "is_late",
        "minutes_late",
    )
    list_select_related = ("student", "assignment")
    list_filter = ("status", "is_late", "assignment__course__term")
    search_fields = ("student__email", "student__display_name", "assignment__title")
    autocomplete_fields = ("assignment", "student")
    readonly_fields = ("created_at", "updated_at")
    date_hierarchy = "submitted_at"
    inlines = (AnswerInline,)


@admin.register(Answer)
class AnswerAdmin(admin.ModelAdmin[Answer]):
    list_display = ("id", "student", "question", "short_text", "number", "grade_state")
    list_select_related = ("submission__student", "question", "grade")
    list_filter = ("question__kind",)
    search_fields = ("text", "submission__student__email", "question__prompt")
    autocomplete_fields = ("submission", "question", "choices")
    readonly_fields = ("created_at", "updated_at")

    @admin.display(description="student", ordering="submission__student__email")
    def student(self, answer: Answer) -> str:
        return str(answer.submission.student)

    @admin.display(description="text")
    def short_text(self, answer: Answer) -> str:
        return Truncator(answer.text).chars(80)

    @admin.display(description="grade")
    def grade_state(self, answer: Answer) -> str:
        grade = getattr(answer, "grade", None)
        return grade.get_state_display() if grade is not None else "—"
