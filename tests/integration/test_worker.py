"""A real worker process consumes `core.heartbeat` and reaches the test's database and cache."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.db import connection

from lms.accounts.models import User
from lms.core.tasks import heartbeat_cache_key, heartbeat_task
from tests.factories import UserFactory
from tests.integration.workers import (
    LiveWorker,
    file_cache,
    send_heartbeat_over_filesystem,
    wait_for,
)

pytestmark = pytest.mark.integration
HEARTBEAT_TIMEOUT_SECONDS = 60.0


def wait_for_heartbeat(worker_cache: BaseCache, token: str) -> dict[str, Any]:
    beat: dict[str, Any] = wait_for(
        lambda: worker_cache.get(heartbeat_cache_key(token)),
        timeout=HEARTBEAT_TIMEOUT_SECONDS,
        what="the heartbeat in the worker's cache",
    )
    return beat


def assert_heartbeat_from(worker: LiveWorker, beat: dict[str, Any]) -> None:
    # The task ran in the worker process (not eagerly here) against this test's own database.
    assert beat["pid"] == worker.process.pid
    assert beat["database"] == connection.vendor
    assert beat["database_name"] == str(connection.settings_dict["NAME"])
    assert beat["users"] == User.objects.count() == 3


def test_heartbeat_over_the_filesystem_broker(filesystem_worker: LiveWorker) -> None:
    UserFactory.create_batch(3)
    token = uuid.uuid4().hex
    send_heartbeat_over_filesystem(filesystem_worker.var_dir, token)

    beat = wait_for_heartbeat(file_cache(filesystem_worker.var_dir), token)
    assert_heartbeat_from(filesystem_worker, beat)


def test_heartbeat_over_redis_with_postgres(redis_worker: LiveWorker, redis_queue: str) -> None:
    UserFactory.create_batch(3)
    token = uuid.uuid4().hex
    # This process's own Celery app and cache: both point at REDIS_URL, like the worker's.
    heartbeat_task.apply_async(args=(token,), queue=redis_queue)

    try:
        assert_heartbeat_from(redis_worker, wait_for_heartbeat(cache, token))
    finally:
        cache.delete(heartbeat_cache_key(token))
