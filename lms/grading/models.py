from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from lms.assignments.models import Answer, Level


class GradeState(models.TextChoices):
    SUGGESTED = "suggested", "Suggested"
    DRAFT = "draft", "Draft"
    RELEASED = "released", "Released"


class GradeSource(models.TextChoices):
    RULE = "rule", "Rule"
    MODEL = "model", "AI model"
    TEACHER = "teacher", "Teacher"


# The only moves a grade may make; `None` is "no grade yet". A suggestion never reaches a
# student without a teacher (or the teacher's own answer key) deciding first, and a released
# grade is changed by taking it back to draft, so the student never sees a half-edited grade.
ALLOWED_TRANSITIONS: frozenset[tuple[str | None, str]] = frozenset(
    {
        (None, GradeState.SUGGESTED),
        (None, GradeState.DRAFT),
        (GradeState.SUGGESTED, GradeState.SUGGESTED),
        (GradeState.SUGGESTED, GradeState.DRAFT),
        (GradeState.DRAFT, GradeState.DRAFT),
        (GradeState.DRAFT, GradeState.RELEASED),
        (GradeState.RELEASED, GradeState.DRAFT),
    }
)


class Grade(models.Model):
    """The current decision on one answer. Change it only through `lms.grading.services`."""

    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="grade")
    state = models.CharField(max_length=10, choices=GradeState.choices)
    points = models.DecimalField(max_digits=7, decimal_places=2, validators=[MinValueValidator(0)])
    comment = models.TextField(blank=True, help_text="Shown to the student once released.")
    source = models.CharField(max_length=8, choices=GradeSource.choices)
    levels = models.ManyToManyField(Level, blank=True, related_name="grades")
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grades_given",
    )
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["answer_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=GradeState.values), name="grading_grade_state_valid"
            ),
            models.CheckConstraint(
                condition=~Q(state=GradeState.RELEASED) | Q(released_at__isnull=False),
                name="grading_grade_released_has_time",
            ),
        ]
        indexes = [models.Index(fields=["state"])]

    def __str__(self) -> str:
        return f"{self.points} ({self.get_state_display()}) on answer {self.answer_id}"


class GradeEvent(models.Model):
    """Audit trail: one row for every change of a grade. Never edited."""

    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grade_events",
        help_text="Empty when a rule or a model acted.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    from_state = models.CharField(max_length=10, choices=GradeState.choices, blank=True)
    to_state = models.CharField(max_length=10, choices=GradeState.choices)
    from_points = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    to_points = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    source = models.CharField(max_length=8, choices=GradeSource.choices)
    reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["grade", "created_at", "id"]
        indexes = [models.Index(fields=["grade", "created_at"])]

    def __str__(self) -> str:
        return f"{self.from_state or '—'} → {self.to_state} by {self.actor or self.source}"
