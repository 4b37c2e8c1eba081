"""Site-wide Celery tasks."""

from __future__ import annotations

import os
import socket
from typing import Any

from celery import shared_task
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from lms.accounts.models import User

HEARTBEAT_CACHE_KEY = "aula:heartbeat:{token}"
# Long enough for a slow CI machine to read it back, short enough not to pile up in the cache.
HEARTBEAT_TTL_SECONDS = 60 * 60


def heartbeat_cache_key(token: str) -> str:
    return HEARTBEAT_CACHE_KEY.format(token=token)


@shared_task(name="core.heartbeat", acks_late=True, soft_time_limit=30, time_limit=60)
def heartbeat_task(token: str) -> dict[str, Any]:
    """Prove that a worker is alive and reaches the database and the cache; safe to run twice."""
    # Counting users (rather than `SELECT 1`) shows the worker reads the same, migrated database
    # as whoever sent the task: a caller that knows how many users exist can compare.
    beat = {
        "token": token,
        "hostname": socket.gethostname(),
        "pid": os.getpid(),
        "database": connection.vendor,
        "database_name": str(connection.settings_dict["NAME"]),
        "users": User.objects.count(),
        "at": timezone.now().isoformat(),
    }
    # Overwriting one key per token keeps a redelivered task harmless.
    cache.set(heartbeat_cache_key(token), beat, timeout=HEARTBEAT_TTL_SECONDS)
    return beat
