"""OpenAPI descriptions that drf-spectacular cannot infer on its own."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import Direction
from rest_framework import serializers


# drf-spectacular's extension base class is untyped.
class BearerTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "lms.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token: `Authorization: Bearer aula_…`.",
        }


class ErrorDetailSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Machine-readable: `invalid`, `not_found`, `throttled`…")
    message = serializers.CharField()
    # DRF's metaclass takes declared fields off the class, so this shadows nothing at run time.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.JSONField(), help_text="Field name → its messages (400 only)."
    )


class ErrorSerializer(serializers.Serializer[Any]):
    """The one error body of every failure (lms/api/errors.py)."""

    error = ErrorDetailSerializer()


class AulaAutoSchema(AutoSchema):
    """drf-spectacular's schema plus the error responses every operation can give, so that a
    client (and schemathesis' status code check) knows each status it may receive."""

    def _get_response_bodies(self, direction: Direction = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        codes = ["401", "403", "429"]  # no or bad credentials; role or token scope; throttled
        if self._has_input():
            codes.append("400")
        # A row outside the caller's scope, or a page past the last one.
        if "{" in self.path or self._is_list_view():
            codes.append("404")
        for code in sorted(codes):
            responses.setdefault(
                code,
                # drf-spectacular's method is untyped.
                self._get_response_for_code(  # type: ignore[no-untyped-call]
                    ErrorSerializer, code, direction=direction
                ),
            )
        return responses

    def _has_input(self) -> bool:
        if self.method in ("POST", "PUT", "PATCH"):
            return True
        return any(p.get("in") == "query" for p in self._get_parameters())
