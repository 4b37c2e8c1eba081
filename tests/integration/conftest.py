"""Worker fixtures: each starts a real `celery -A lms worker` process and always stops it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.integration.workers import (
    LiveWorker,
    running_worker,
    shared_test_database_url,
    worker_env,
)

EVERY_QUEUE = ("default", "ml_cpu", "ml_gpu")


@pytest.fixture
def filesystem_worker(transactional_db: None, tmp_path: Path) -> Iterator[LiveWorker]:
    """The embedded setup: kombu's filesystem broker and a file cache under `tmp_path`."""
    env = worker_env(var_dir=tmp_path / "var", database_url=shared_test_database_url())
    with running_worker(env=env, queues=EVERY_QUEUE, log=tmp_path / "worker.log") as worker:
        yield worker


@pytest.fixture
def redis_queue(redis_url: str) -> Iterator[str]:
    """A queue of this test's own, so that no other task on the shared Redis reaches its worker."""
    queue = f"test-{uuid.uuid4().hex[:12]}"
    yield queue
    client = redis.Redis.from_url(redis_url)
    client.delete(queue, f"_kombu.binding.{queue}")


@pytest.fixture
def redis_worker(
    transactional_db: None, postgres: str, redis_url: str, redis_queue: str, tmp_path: Path
) -> Iterator[LiveWorker]:
    """The scaled-out setup: PostgreSQL, and Redis as broker and cache."""
    env = worker_env(
        var_dir=tmp_path / "var", database_url=shared_test_database_url(), redis_url=redis_url
    )
    with running_worker(env=env, queues=[redis_queue], log=tmp_path / "worker.log") as worker:
        yield worker
