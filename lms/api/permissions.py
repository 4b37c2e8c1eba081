"""Permissions beyond the querysets' scoping: token scope and write roles."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from lms.api.models import ApiToken


class TokenScope(BasePermission):
    """A read-scoped token reads only; the browser session and read-write tokens may write."""

    message = "This token is read-only."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        token = request.auth
        return not isinstance(token, ApiToken) or token.scope == ApiToken.Scope.READ_WRITE


class SessionOnly(BasePermission):
    """Tokens are made in a browser session: a token cannot mint further tokens."""

    message = "Create tokens from a signed-in browser session, not with a token."

    def has_permission(self, request: Request, view: Any) -> bool:
        if request.method in SAFE_METHODS:
            return True
        return not isinstance(request.auth, ApiToken)
