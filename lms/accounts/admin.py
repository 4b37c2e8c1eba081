"""The user admin: log-in by e-mail, so Django's `UserAdmin` with e-mail forms and fields."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from lms.accounts.forms import UserAdminChangeForm, UserAdminCreationForm
from lms.accounts.models import User


@admin.register(User)
# Django's stubs bind UserAdmin to AbstractUser; ours is AbstractBaseUser, hence Any.
class UserAdmin(DjangoUserAdmin[Any]):
    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("display_name", "locale", "time_zone")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Important dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "display_name", "usable_password", "password1", "password2"),
            },
        ),
    )
    readonly_fields = ("last_login",)
    list_display = ("email", "display_name", "is_staff", "is_active", "date_joined", "last_login")
    list_filter = ("is_staff", "is_superuser", "is_active", "locale")
    search_fields = ("email", "display_name")
    ordering = ("email",)
