from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "lms.notifications"
    label = "notifications"

    def ready(self) -> None:
        from celery.signals import task_postrun

        from lms.grading.signals import grades_released
        from lms.notifications import receivers

        grades_released.connect(
            receivers.on_grades_released, dispatch_uid="notifications.grades_released"
        )
        task_postrun.connect(receivers.on_task_postrun, dispatch_uid="notifications.tasks")
