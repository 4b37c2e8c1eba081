from __future__ import annotations

from django.conf import settings
from django.db import models


class Notification(models.Model):
    """Something a user should know: shown in the site's list and, unless they opted out, mailed."""

    class Kind(models.TextChoices):
        FEEDBACK_READY = "feedback_ready", "Feedback ready"
        GRADE_RELEASED = "grade_released", "Grade released"
        DUE_SOON = "due_soon", "Due soon"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    # What the notification is about ("submission:12", "assignment:3", "release:<uuid>"): unique
    # per user and kind, so that a task delivered twice notifies once.
    key = models.CharField(max_length=100)
    text = models.CharField(max_length=300)
    link = models.CharField(max_length=300, blank=True, help_text="A path on this site.")
    is_read = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    mailed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When its e-mail was dealt with: sent, or skipped because the user opted out.",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "key"], name="notifications_notification_unique_key"
            ),
        ]
        indexes = [models.Index(fields=["user", "is_read"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.user}: {self.text}"


class NotificationPreference(models.Model):
    """A user's choices; a user without a row gets every e-mail."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(
        "Send me these notifications by e-mail",
        default=True,
    )

    def __str__(self) -> str:
        return f"Notification preferences of {self.user}"
