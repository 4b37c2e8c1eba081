"""Aula LMS project package: settings, URLs, the Celery app and the LMS apps."""

from lms.celery import app as celery_app

__all__ = ["celery_app"]
