"""One error body for every failure: `{"error": {"code", "message", "fields"}}`.

Services raise Django's `ValidationError` and `PermissionDenied`; they become 400 and 403 here, so
views never translate them one by one. DRF's own handler runs first, for its headers
(`Retry-After` on 429, `WWW-Authenticate` on 401).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def _from_django(exc: Exception) -> Exception:
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            return exceptions.ValidationError(exc.message_dict)
        return exceptions.ValidationError({"non_field_errors": exc.messages})
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, Http404):
        return exceptions.NotFound(str(exc) or None)
    return exc


def _flatten(detail: Any) -> list[str]:
    if isinstance(detail, dict):
        return [m for value in detail.values() for m in _flatten(value)]
    if isinstance(detail, list):
        return [m for value in detail for m in _flatten(value)]
    return [str(detail)]


def _fields(detail: Any) -> dict[str, Any]:
    if not isinstance(detail, dict):
        return {}
    return {
        str(name): value if isinstance(value, dict) else _flatten(value)
        for name, value in detail.items()
        if name != "non_field_errors"
    }


def _code(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    return exc.default_code if not isinstance(exc, exceptions.ValidationError) else "invalid"


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = _from_django(exc)
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        fields = _fields(detail)
        general = _flatten(detail.get("non_field_errors", [])) if isinstance(detail, dict) else []
        if not isinstance(detail, dict):
            general = _flatten(detail)
        message = " ".join(general) or "Some fields are not valid."
    else:
        fields, message = {}, " ".join(_flatten(detail))
    response.data = error_body(_code(exc), message, fields)
    return response
