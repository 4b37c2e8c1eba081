"""schemathesis against the real API on PostgreSQL: once as a student, once as a teacher.

gunicorn serves this session's test database (migrated by pytest-django, then given the API
tests' world: two courses with one of every row, a webhook endpoint and its delivery log), and the
schemathesis CLI sends each operation of the committed schema.yml generated requests with a
personal token made through the service. Every response must be no 5xx, carry a status the schema
documents and a body that matches it.

Destructive operations cannot make the run flaky: a token cannot revoke (or mint) tokens, only a
browser session can (the 403 is what schemathesis sees for `tokens_destroy`), and every other write
only touches rows of the caller's courses in this test's own database. The throttle rates are
raised so that the run is not a wall of 429s (which the schema documents too).
"""

from __future__ import annotations

import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

from lms.accounts.models import User
from lms.api.models import ApiToken, WebhookDelivery
from lms.api.services import token_create
from lms.api.webhooks import webhook_endpoint_create
from lms.courses.models import Course
from tests.api.world import World, build_world
from tests.integration.test_run_script import free_port
from tests.integration.workers import (
    ROOT,
    shared_test_database_url,
    stop_process_group,
    wait_for,
    worker_env,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]

SCHEMA = ROOT / "schema.yml"
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance"
# Generated cases per operation and phase: bounded so that both callers take about two minutes on
# two shared cores. --seed keeps a failure reproducible.
MAX_EXAMPLES = 12
SEED = 20261204
RUN_TIMEOUT_SECONDS = 300


@pytest.fixture
def api_world(
    postgres: str, transactional_db: None, course: Course, teacher: User, student: User
) -> World:
    world = build_world(course, teacher, student)
    endpoint = webhook_endpoint_create(
        owner=teacher, url="http://127.0.0.1:9/hooks", events=["grade.released"], course=course
    )
    WebhookDelivery.objects.create(
        endpoint=endpoint,
        event="grade.released",
        event_key="seed",
        payload={"event": "grade.released", "course": course.pk, "data": {}},
    )
    return world


@pytest.fixture
def api_server(api_world: World, tmp_path: Path) -> Iterator[str]:
    """gunicorn on a free port, serving the test database; always stopped."""
    env = worker_env(var_dir=tmp_path / "var", database_url=shared_test_database_url())
    env.update(AULA_API_THROTTLE_USER="1000000/hour", AULA_API_THROTTLE_TOKENS="1000000/hour")
    port = free_port()
    command = [
        *(sys.executable, "-m", "gunicorn", "lms.wsgi:application"),
        *(f"--bind=127.0.0.1:{port}", "--workers=2", "--timeout=60"),
    ]
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"gunicorn exited:\n{log.read_text(errors='replace')}")
        with suppress(OSError), urllib.request.urlopen(base + "/healthz", timeout=5) as reply:
            return bool(reply.status == 200)
        return False

    try:
        wait_for(healthy, timeout=60, what="gunicorn to answer /healthz")
        yield base
    finally:
        stop_process_group(process)


def schemathesis(base: str, key: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    command = [
        str(Path(sys.executable).parent / "schemathesis"),
        *("run", str(SCHEMA), f"--url={base}", f"--header=Authorization: Bearer {key}"),
        *(f"--checks={CHECKS}", f"--max-examples={MAX_EXAMPLES}", f"--seed={SEED}"),
        *("--workers=2", "--no-color"),
        *("--generation-database=none", "--request-timeout=30", "--output-truncate=false"),
        *("--suppress-health-check=all",),
    ]
    return subprocess.run(
        command,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )


@pytest.mark.parametrize("role", ["student", "teacher"])
def test_the_api_keeps_to_its_schema(
    api_server: str, api_world: World, role: str, tmp_path: Path
) -> None:
    user = api_world.users[role]
    _, key = token_create(user=user, name="schemathesis", scope=ApiToken.Scope.READ_WRITE)
    run = schemathesis(api_server, key, tmp_path)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-20000:]
    # Every operation of the schema was selected and tested, none filtered out.
    assert re.search(r"Selected: (\d+)/\1\s+Tested: \1\b", output), output[-5000:]
