"""Helpers shared by the apps' admin modules (lms.core registers no model)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest

from lms.accounts.models import User


def acting_user(request: HttpRequest) -> User:
    """The administrator behind an admin request (the admin site admits signed-in staff only)."""
    assert isinstance(request.user, User)
    return request.user


def refusal_text(exc: ValidationError | PermissionDenied) -> str:
    """The human message of a service's refusal, for `ModelAdmin.message_user`."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "You may not do this."
