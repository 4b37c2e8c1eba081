from typing import Any

from django.apps import AppConfig


class MlcoreConfig(AppConfig):
    name = "mlcore"
    verbose_name = "Machine learning"

    def ready(self) -> None:
        from lms.assignments.signals import submission_submitted

        submission_submitted.connect(score_on_submit, dispatch_uid="mlcore.score_on_submit")


def score_on_submit(sender: Any, submission: Any, **_: Any) -> None:
    """Score a submitted submission's text answers once its transaction commits."""
    # Imported here: the task module pulls in models, which are not ready at import time.
    from mlcore.services.scoring import TEXT_KINDS
    from mlcore.tasks.scoring import score_submission_task

    if submission.answers.filter(question__kind__in=TEXT_KINDS).exists():
        score_submission_task.delay_on_commit(submission.id)
