from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "lms.api"
    label = "api"
    verbose_name = "REST API"

    def ready(self) -> None:
        from celery.signals import task_postrun

        from lms.api import (
            receivers,
            schema,  # noqa: F401  (registers the bearer scheme with OpenAPI)
        )
        from lms.assignments.signals import submission_submitted
        from lms.grading.signals import grades_released

        submission_submitted.connect(
            receivers.on_submission_submitted, dispatch_uid="api.webhooks.submission"
        )
        grades_released.connect(receivers.on_grades_released, dispatch_uid="api.webhooks.grades")
        task_postrun.connect(receivers.on_task_postrun, dispatch_uid="api.webhooks.tasks")
