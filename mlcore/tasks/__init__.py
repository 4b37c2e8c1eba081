"""Celery tasks of the AI feedback loop, imported here so that `app.autodiscover_tasks()` finds them.

Every task is named (`mlcore.<name>`), takes ids, is idempotent and is routed by name in
`CELERY_TASK_ROUTES` (scoring and CPU training on `ml_cpu`, fine-tuning on `ml_gpu`).
"""
