from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.safestring import SafeString

from lms.core.markdown import render_markdown
from lms.courses.models import Course, LatePolicyFields, Skill


def _list_of_strings(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError("Enter a list of texts.")


class Category(models.Model):
    """A gradebook category (Canvas: assignment group) with its weight in the course total."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="categories")
    name = models.CharField(max_length=100)
    weight = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
        help_text="Percent of the course total. When every weight is 0, the total is by points.",
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["course", "position", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "name"], name="assignments_category_course_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight}%)"


class Assignment(LatePolicyFields):
    class ReleasePolicy(models.TextChoices):
        MANUAL = "manual", "Teacher releases grades"
        AUTOMATIC = "automatic", "Release each teacher or rule grade at once"

    class AttemptScoring(models.TextChoices):
        LATEST = "latest", "Latest attempt counts"
        HIGHEST = "highest", "Highest attempt counts"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    category = models.ForeignKey(
        Category, on_delete=models.SET_NULL, null=True, blank=True, related_name="assignments"
    )
    title = models.CharField(max_length=200)
    instructions = models.TextField(blank=True, help_text="Markdown.")
    opens_at = models.DateTimeField(null=True, blank=True, help_text="Empty: open at once.")
    due_at = models.DateTimeField(null=True, blank=True)
    lock_at = models.DateTimeField(
        null=True, blank=True, help_text="Nothing is accepted after this time, late or not."
    )
    max_attempts = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        default=1,
        validators=[MinValueValidator(1)],
        help_text="Empty: unlimited.",
    )
    attempt_scoring = models.CharField(
        max_length=8, choices=AttemptScoring.choices, default=AttemptScoring.LATEST
    )
    is_published = models.BooleanField(default=False)
    release_policy = models.CharField(
        max_length=10, choices=ReleasePolicy.choices, default=ReleasePolicy.MANUAL
    )
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["course", "position", "due_at", "id"]
        indexes = [models.Index(fields=["course", "is_published"])]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        if self.opens_at and self.due_at and self.due_at < self.opens_at:
            raise ValidationError({"due_at": "The due time must come after the opening time."})
        if self.due_at and self.lock_at and self.lock_at < self.due_at:
            raise ValidationError({"lock_at": "The closing time must come after the due time."})
        if self.category is not None and self.category.course_id != self.course_id:
            raise ValidationError({"category": "This category belongs to another course."})

    @property
    def instructions_html(self) -> SafeString:
        return render_markdown(self.instructions)


class Extension(models.Model):
    """A per-student override of the due and closing times and of the number of attempts."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="extensions")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extensions"
    )
    due_at = models.DateTimeField(null=True, blank=True)
    lock_at = models.DateTimeField(null=True, blank=True)
    extra_attempts = models.PositiveSmallIntegerField(default=0)
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "student"], name="assignments_extension_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Extension for {self.student} on {self.assignment}"


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE_CHOICE = "single_choice", "Single choice"
        MULTIPLE_CHOICE = "multiple_choice", "Multiple choice"
        NUMERIC = "numeric", "Numeric"
        SHORT_TEXT = "short_text", "Short text"
        ESSAY = "essay", "Essay"

    CHOICE_KINDS = (Kind.SINGLE_CHOICE, Kind.MULTIPLE_CHOICE)
    TEXT_KINDS = (Kind.SHORT_TEXT, Kind.ESSAY)

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    prompt = models.TextField(help_text="Markdown.")
    points = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    numeric_answer = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    numeric_tolerance = models.DecimalField(
        max_digits=20,
        decimal_places=6,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
        help_text="Absolute tolerance: answers within ± this value are correct.",
    )
    reference_answers = models.JSONField(
        default=list,
        blank=True,
        validators=[_list_of_strings],
        help_text="Model answers, for AI scoring and feedback.",
    )
    key_points = models.JSONField(
        default=list,
        blank=True,
        validators=[_list_of_strings],
        help_text="What a full answer covers; feedback says which ones an answer met.",
    )
    accepted_answers = models.JSONField(
        default=list,
        blank=True,
        validators=[_list_of_strings],
        help_text="Short text only: exact answers that earn full points automatically.",
    )
    case_sensitive = models.BooleanField(default=False)
    max_chars = models.PositiveIntegerField(
        null=True, blank=True, help_text="Longest accepted answer. Empty: the site limit."
    )
    skills = models.ManyToManyField(Skill, blank=True, related_name="questions")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assignment", "position", "id"]

    def __str__(self) -> str:
        return f"Q{self.position} {self.prompt[:60]}"

    def clean(self) -> None:
        super().clean()
        if self.kind == self.Kind.NUMERIC and self.numeric_answer is None:
            raise ValidationError({"numeric_answer": "A numeric question needs its answer."})
        if self.accepted_answers and self.kind != self.Kind.SHORT_TEXT:
            raise ValidationError({"accepted_answers": "Only short text questions take these."})

    @property
    def is_text(self) -> bool:
        return self.kind in self.TEXT_KINDS

    @property
    def is_choice(self) -> bool:
        return self.kind in self.CHOICE_KINDS

    @property
    def answer_limit(self) -> int:
        limit: int = settings.AULA_ANSWER_MAX_CHARS
        return min(self.max_chars, limit) if self.max_chars else limit

    @property
    def prompt_html(self) -> SafeString:
        return render_markdown(self.prompt)


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)

    class Meta:
        ordering = ["question", "position", "id"]

    def __str__(self) -> str:
        return self.text


class Criterion(models.Model):
    """A rubric row of a question; its levels are the columns."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        verbose_name_plural = "criteria"
        ordering = ["question", "position", "id"]

    def __str__(self) -> str:
        return self.title


class Level(models.Model):
    criterion = models.ForeignKey(Criterion, on_delete=models.CASCADE, related_name="levels")
    position = models.PositiveSmallIntegerField(default=0)
    points = models.DecimalField(max_digits=7, decimal_places=2, validators=[MinValueValidator(0)])
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["criterion", "position", "-points"]

    def __str__(self) -> str:
        return f"{self.title} ({self.points})"


class Submission(models.Model):
    """One attempt of one student at one assignment."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="submissions")
    student = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    attempt = models.PositiveSmallIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    started_at = models.DateTimeField()
    submitted_at = models.DateTimeField(null=True, blank=True)
    is_late = models.BooleanField(default=False)
    minutes_late = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assignment", "student", "attempt"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "student", "attempt"],
                name="assignments_submission_attempt_unique",
            ),
            # One attempt in progress at a time, so two tabs cannot each open a new attempt.
            models.UniqueConstraint(
                fields=["assignment", "student"],
                condition=Q(status="draft"),
                name="assignments_submission_one_draft",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="assignments_submission_submitted_has_time",
            ),
        ]
        indexes = [models.Index(fields=["assignment", "status"])]

    def __str__(self) -> str:
        return f"{self.student} — {self.assignment} (attempt {self.attempt})"


class Answer(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    text = models.TextField(blank=True)
    choices = models.ManyToManyField(Choice, blank=True, related_name="answers")
    number = models.DecimalField(max_digits=20, decimal_places=6, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["submission", "question__position", "question_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["submission", "question"], name="assignments_answer_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"Answer to {self.question_id} in submission {self.submission_id}"
