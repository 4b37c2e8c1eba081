"""The Celery app: `celery -A lms worker -Q default,ml_cpu` (GPU: `-Q ml_gpu --pool=solo`)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")

app = Celery("lms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
