"""Read-only queries about a user's notifications."""

from __future__ import annotations

from django.db.models import QuerySet

from lms.accounts.models import User
from lms.notifications.models import Notification, NotificationPreference


def notifications_for_user(*, user: User) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")


def unread_count(*, user: User) -> int:
    """How many of the user's notifications are unread."""
    return Notification.objects.filter(user=user, is_read=False).count()


def email_enabled_for(*, user: User) -> bool:
    """Whether the user gets notifications by e-mail (yes, unless they opted out)."""
    preference = NotificationPreference.objects.filter(user=user).first()
    return preference is None or preference.email_enabled
