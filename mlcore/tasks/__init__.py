"""Celery tasks of the AI feedback loop, imported here so `app.autodiscover_tasks()` finds them.

Every task is named (`mlcore.<name>`), takes ids, is idempotent and is routed by name in
`CELERY_TASK_ROUTES` (scoring and CPU training on `ml_cpu`, fine-tuning on `ml_gpu`).
"""

# Imported for their registration with Celery, not used here.
from mlcore.tasks.maintenance import (  # noqa: F401
    notify_version_broken_task,
    prune_artifacts_task,
    retrain_due_task,
    sweep_stale_runs_task,
    sweep_unscored_task,
)
from mlcore.tasks.scoring import rescore_question_task, score_submission_task  # noqa: F401
from mlcore.tasks.training import train_cpu_task, train_gpu_task  # noqa: F401
