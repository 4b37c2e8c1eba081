"""Helpers shared by the apps' admin modules (lms.core registers no model)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError


def refusal_text(exc: ValidationError | PermissionDenied) -> str:
    """The human message of a service's refusal, for `ModelAdmin.message_user`."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    return str(exc) or "You may not do this."
