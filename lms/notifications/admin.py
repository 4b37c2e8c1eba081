from __future__ import annotations

from django.contrib import admin

from lms.notifications.models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ("created_at", "user", "kind", "text", "is_read", "mailed_at")
    list_filter = ("kind", "is_read")
    search_fields = ("user__email", "text", "key")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "mailed_at")
    date_hierarchy = "created_at"


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin[NotificationPreference]):
    list_display = ("user", "email_enabled")
    list_filter = ("email_enabled",)
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
