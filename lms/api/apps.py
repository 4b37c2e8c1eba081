from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lms.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        # The OpenAPI description of the bearer token scheme registers itself on import.
        from lms.api import schema  # noqa: F401
