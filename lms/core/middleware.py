"""Health check that answers before host validation and the HTTPS redirect.

Container orchestrators probe `http://localhost:8000/healthz` from inside the container, with a Host
header that is not in ALLOWED_HOSTS and over plain HTTP; both would otherwise be refused.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse

HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.rstrip("/") == HEALTH_PATH:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
            except Exception as exc:  # any database failure means unhealthy
                return JsonResponse({"status": "error", "database": str(exc)}, status=503)
            return JsonResponse({"status": "ok"})
        return self.get_response(request)
