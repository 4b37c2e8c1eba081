"""`make run`'s supervisor, run for real: it serves the demo, runs a worker, and stops cleanly."""

from __future__ import annotations

import html
import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from lms.core.tasks import heartbeat_cache_key
from tests.integration.workers import (
    ROOT,
    file_cache,
    send_heartbeat_over_filesystem,
    stop_process_group,
    wait_for,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
# A fresh database: migrations and the demo seed come before the first page.
START_TIMEOUT_SECONDS = 240.0
DEMO_PASSWORD = "demo-password-for-this-test"
CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Browser:
    """Just enough of a browser: cookies, and the CSRF token of the last page."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def get(self, path: str) -> tuple[int, str]:
        try:
            with self.opener.open(self.base + path, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace")

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        """POST the form with the CSRF token of `path`'s page; status, final URL and body."""
        _, page = self.get(path)
        token = CSRF_TOKEN.search(page)
        assert token, page
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": token.group(1), **fields}).encode()
        with self.opener.open(self.base + path, data=data, timeout=30) as response:
            return response.status, response.geturl(), response.read().decode()


@contextmanager
def running_supervisor(
    tmp_path: Path, **env_overrides: str
) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """scripts/run.py on a free port with its own AULA_VAR_DIR under `tmp_path`; always stopped
    at the end. `env_overrides` are set in its environment (the browser tests use it too)."""
    var_dir = tmp_path / "var"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "AULA_TEST_DB_FILE"}
    }
    env.update(
        AULA_ENV="development",
        AULA_VAR_DIR=str(var_dir),
        AULA_DEMO_PASSWORD=DEMO_PASSWORD,
        DJANGO_SETTINGS_MODULE="lms.settings",
        PYTHONUNBUFFERED="1",
        **env_overrides,
    )
    addr = f"127.0.0.1:{free_port()}"
    with (tmp_path / "run.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "scripts/run.py", "--addr", addr],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield process, f"http://{addr}", var_dir
    finally:
        # Only does something if the test failed before it stopped the supervisor: SIGTERM makes
        # it stop its children; if it had to be killed, Linux SIGTERMs them (PR_SET_PDEATHSIG).
        stop_process_group(process)


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str, Path]]:
    """scripts/run.py on a free port with its own AULA_VAR_DIR; always stopped at the end."""
    with running_supervisor(tmp_path) as stack:
        yield stack


def alive(process: psutil.Process) -> bool:
    try:
        return bool(process.is_running() and process.status() != psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return False


def test_run_serves_the_demo_with_a_worker_and_stops_cleanly(
    supervisor: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, base, var_dir = supervisor
    browser = Browser(base)

    def login_page_answers() -> bool:
        assert process.poll() is None, (var_dir.parent / "run.log").read_text()
        try:
            return browser.get("/accounts/login/")[0] == 200
        except OSError:
            return False  # not listening yet

    wait_for(login_page_answers, timeout=START_TIMEOUT_SECONDS, what="the log-in page", every=1)
    descendants = [p for p in psutil.Process(process.pid).children(recursive=True) if alive(p)]
    # Its own children only: the worker's embedded beat is a fork with the same command line.
    children = psutil.Process(process.pid).children()
    workers = [p for p in children if {"celery", "worker"} <= set(p.cmdline())]
    assert len(workers) == 1
    # Alive and consuming: a task sent to its broker comes back through its cache.
    send_heartbeat_over_filesystem(var_dir, "run-script")
    beat = wait_for(
        lambda: file_cache(var_dir).get(heartbeat_cache_key("run-script")),
        timeout=60,
        what="the worker to run core.heartbeat",
    )
    assert beat["pid"] == workers[0].pid

    status, final_url, page = browser.post_form(
        "/accounts/login/", {"username": "teacher@example.com", "password": DEMO_PASSWORD}
    )
    with sqlite3.connect(var_dir / "aula.sqlite3") as db:
        titles = [title for (title,) in db.execute("SELECT title FROM courses_course")]
    assert status == 200
    assert not final_url.endswith("/accounts/login/"), "the demo teacher could not log in"
    assert len(titles) == 1
    assert html.escape(titles[0]) in page

    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 0
    assert [p for p in descendants if alive(p)] == []
