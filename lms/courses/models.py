from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

# No 0/O or 1/I/L: students copy join codes from a projector.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 8

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


class LatePolicyFields(models.Model):
    """Late and missing work, after Canvas's late policy: a course holds the defaults, each
    assignment its own copy."""

    class Interval(models.TextChoices):
        HOUR = "hour", "per hour"
        DAY = "day", "per day"

    late_submissions_accepted = models.BooleanField(
        default=True, help_text="Accept submissions after the due time (with the deduction below)."
    )
    late_deduction_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=PERCENT,
        help_text="Percent of the points possible deducted for each late interval.",
    )
    late_interval = models.CharField(max_length=4, choices=Interval.choices, default=Interval.DAY)
    late_minimum_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=PERCENT,
        help_text="The late deduction never takes a score below this percent of the points.",
    )
    missing_deduction_enabled = models.BooleanField(
        default=False, help_text="Give missing work a grade once the due time has passed."
    )
    missing_deduction_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(100),
        validators=PERCENT,
        help_text="Missing work scores the points possible minus this percent.",
    )

    class Meta:
        abstract = True


class Course(LatePolicyFields):
    class AIFeedback(models.TextChoices):
        IMMEDIATE = "immediate", "Students see AI feedback at once, labelled provisional"
        AFTER_RELEASE = "after_release", "Students see AI feedback only after grades are released"

    code = models.CharField(max_length=32, help_text="Short code, for example BIO-101.")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown.")
    term = models.CharField(max_length=64, blank=True, help_text="For example 2026 Autumn.")
    join_code = models.CharField(max_length=16, unique=True, default=new_join_code, editable=False)
    join_code_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    joining_enabled = models.BooleanField(default=True)
    ai_feedback = models.CharField(
        "AI feedback for students",
        max_length=16,
        choices=AIFeedback.choices,
        default=AIFeedback.IMMEDIATE,
    )
    is_archived = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-term", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "term"], name="courses_course_code_term_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}" + (f" ({self.term})" if self.term else "")


class Enrollment(models.Model):
    class Role(models.TextChoices):
        STUDENT = "student", "Student"
        TA = "ta", "Teaching assistant"
        TEACHER = "teacher", "Teacher"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="enrollments")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.STUDENT)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["course", "role", "user__email"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"], name="courses_enrollment_user_course_unique"
            ),
        ]
        indexes = [models.Index(fields=["course", "role", "is_active"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.course.code} as {self.get_role_display()}"

    @property
    def is_staff_role(self) -> bool:
        return self.role in (self.Role.TEACHER, self.Role.TA)


class Skill(models.Model):
    """Something students learn in a course; questions are tagged with skills for mastery."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="skills")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["course", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "name"], name="courses_skill_course_name_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name
