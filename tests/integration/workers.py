"""Real worker processes for integration tests: `celery -A lms worker` in a subprocess, never eager.

A worker gets its own AULA_VAR_DIR (broker folders, file cache) and the URL of this session's test
database, which it shares with the test: a test that uses one needs `transactional_db`, so that what
it writes is committed where the worker can read it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar
from urllib.parse import quote

from django.core.cache.backends.filebased import FileBasedCache
from django.db import connection
from kombu import Connection

from lms.celery import app as celery_app
from lms.core.tasks import heartbeat_task

ROOT = Path(__file__).resolve().parents[2]
READY_TIMEOUT_SECONDS = 90.0
STOP_GRACE_SECONDS = 10.0
# Variables of the test process that would point a worker at the wrong database, broker or cache.
_SERVICE_VARIABLES = (
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "AULA_TEST_DB_FILE",
)

T = TypeVar("T")


@dataclass(frozen=True)
class LiveWorker:
    process: subprocess.Popen[bytes]
    var_dir: Path
    log: Path


def shared_test_database_url() -> str:
    """The URL of this session's test database (it exists once a `db` fixture has run)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    assert connection.vendor == "postgresql", connection.vendor
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def worker_env(*, var_dir: Path, database_url: str, redis_url: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SERVICE_VARIABLES}
    env.update(
        DJANGO_SETTINGS_MODULE="lms.settings",
        AULA_ENV="test",
        AULA_VAR_DIR=str(var_dir),
        DATABASE_URL=database_url,
        PYTHONUNBUFFERED="1",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


@contextmanager
def running_worker(
    *, env: dict[str, str], queues: Sequence[str], log: Path
) -> Iterator[LiveWorker]:
    """Start a solo-pool worker, wait until it logs that it is ready, and always stop it."""
    command = [
        *(sys.executable, "-m", "celery", "-A", "lms", "worker", "--pool=solo", "--loglevel=INFO"),
        *(f"--queues={','.join(queues)}", f"--hostname=test-{uuid.uuid4().hex[:8]}@%h"),
        # No broadcast chatter: the filesystem transport has none, and tests need none.
        *("--without-gossip", "--without-mingle", "--without-heartbeat"),
    ]
    with log.open("wb") as out:
        # Its own process group, so that stopping it can never leave a child behind.
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        try:
            wait_for(lambda: _ready(process, log), timeout=READY_TIMEOUT_SECONDS, what="readiness")
        except AssertionError as exc:
            raise AssertionError(f"{exc}; the worker's log:\n{_tail(log)}") from None
        yield LiveWorker(process=process, var_dir=Path(env["AULA_VAR_DIR"]), log=log)
    finally:
        stop_process_group(process)


def _ready(process: subprocess.Popen[bytes], log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"the worker exited with status {process.returncode}")
    return " ready." in log.read_text(errors="replace")


def _tail(log: Path, lines: int = 40) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM the group (a warm shutdown), then SIGKILL it if it has not stopped in time."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    with suppress(subprocess.TimeoutExpired):
        process.wait(timeout=STOP_GRACE_SECONDS)
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def wait_for(probe: Callable[[], T], *, timeout: float, what: str, every: float = 0.2) -> T:
    """Call `probe` until it returns something truthy; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(every)


def send_heartbeat_over_filesystem(var_dir: Path, token: str) -> None:
    """Publish `core.heartbeat` into the filesystem broker of the worker that uses `var_dir`."""
    # The broker folders as lms/settings.py lays them out under AULA_VAR_DIR.
    transport_options = {
        "data_folder_in": str(var_dir / "celery" / "queue"),
        "data_folder_out": str(var_dir / "celery" / "queue"),
        "processed_folder": str(var_dir / "celery" / "processed"),
        "control_folder": str(var_dir / "celery" / "control"),
    }
    with Connection("filesystem://", transport_options=transport_options) as broker:
        celery_app.send_task(heartbeat_task.name, args=(token,), connection=broker)


def file_cache(var_dir: Path) -> FileBasedCache:
    """The file cache of the processes that use `var_dir` (the embedded default)."""
    return FileBasedCache(str(var_dir / "cache" / "django"), {})
