"""Training runs with real worker processes: queued -> running (progress seen) -> succeeded with one
version and the promotion rule kept; a worker killed with SIGKILL mid-run, after which a new worker
completes the run exactly once; a cancel that stops a running run within a few seconds.

The first runs over the embedded filesystem broker with the SQLite test database (everywhere); the
other two over Redis with PostgreSQL (skipped without them, required under CI=true), where the
new worker's run is the same path again. A worker here consumes every queue of a broker of its own
(a filesystem folder, or a Redis database number claimed for the test), because a promotion makes
the worker itself send `mlcore.rescore_question`, which must reach it and no other test's worker.
"""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis
from django.db.models import Count
from kombu import Connection

from lms.accounts.models import User
from lms.celery import app as celery_app
from lms.courses.models import Course, Enrollment
from mlcore.models import ModelVersion, Prediction, ScoringModel, TrainingRun
from mlcore.services import training as training_service
from mlcore.services.registry import scoring_model_for
from mlcore.services.training import training_run_cancel, training_run_start
from mlcore.services.training_claims import FIT_END, FIT_START
from tests.factories import CourseFactory, EnrollmentFactory, UserFactory
from tests.integration.workers import (
    running_worker,
    shared_test_database_url,
    wait_for,
    worker_env,
)
from tests.mlcore.training_helpers import add_answers, graded_question

pytestmark = [pytest.mark.integration, pytest.mark.slow]

EVERY_QUEUE = ("default", "ml_cpu", "ml_gpu")
RUN_TIMEOUT_SECONDS = 240.0
STALE_SECONDS = 5
# Long enough to be caught mid-way on a fast machine; the run is stopped long before the end.
ENDLESS = {"epochs": 5000, "early_stopping_patience": None}
SHORT = {"epochs": 20, "early_stopping_patience": None}
UNGRADED = ["Light is scattered by air molecules.", "The sky is blue because of the sea."]


def _env(var_dir: Path, overrides: dict[str, object], redis_url: str = "") -> dict[str, str]:
    env = worker_env(var_dir=var_dir, database_url=shared_test_database_url(), redis_url=redis_url)
    env["AULA_TRAINING_OVERRIDES"] = json.dumps(overrides)
    env["AULA_TRAINING_STALE_SECONDS"] = str(STALE_SECONDS)
    return env


def _filesystem_broker(var_dir: Path) -> Connection:
    # The broker folders as lms/settings.py lays them out under the worker's AULA_VAR_DIR.
    folders = {"data_folder_in": "queue", "data_folder_out": "queue"}
    folders |= {"processed_folder": "processed", "control_folder": "control"}
    options = {key: str(var_dir / "celery" / sub) for key, sub in folders.items()}
    return Connection("filesystem://", transport_options=options)


@pytest.fixture
def redis_db_url(redis_url: str) -> Iterator[str]:
    """A Redis database number of this test's own (claimed with a key in database 0 for the
    test's duration, emptied before and after), so messages the worker sends stay its own."""
    client = redis.Redis.from_url(redis_url)
    token = uuid.uuid4().hex
    number = next(
        (n for n in range(15, 0, -1) if client.set(f"aula:test-db:{n}", token, nx=True, ex=900)),
        None,
    )
    if number is None:
        pytest.fail("every Redis database 1-15 is claimed by another test")
    url = urlunsplit(urlsplit(redis_url)._replace(path=f"/{number}"))
    redis.Redis.from_url(url).flushdb()
    yield url
    redis.Redis.from_url(url).flushdb()
    if client.get(f"aula:test-db:{number}") == token.encode():
        client.delete(f"aula:test-db:{number}")


@pytest.fixture(autouse=True)
def _fast_passwords(settings: Any) -> None:
    # Each test makes 25 users; the default PBKDF2 costs about half a second each here.
    settings.PASSWORD_HASHERS = ["tests.lms.conftest.FastPBKDF2PasswordHasher"]


@pytest.fixture
def course_with_teacher(transactional_db: None) -> tuple[Course, User]:
    course = CourseFactory()
    teacher = UserFactory()
    EnrollmentFactory(user=teacher, course=course, role=Enrollment.Role.TEACHER)
    return course, teacher


def _start(course: Course, teacher: User, monkeypatch: pytest.MonkeyPatch) -> TrainingRun:
    """A queued MLP run on a question with 24 teacher grades and two ungraded answers. Its
    message is not sent from here (this process's broker is not the worker's): `_send` does."""
    question = graded_question(course, teacher, 24)
    add_answers(question, UNGRADED)
    scoring_model = scoring_model_for(question)
    ScoringModel.objects.filter(pk=scoring_model.pk).update(family="mlp")
    scoring_model.refresh_from_db()
    monkeypatch.setattr(training_service, "_enqueue", lambda run_id, queue: None)
    return training_run_start(actor=teacher, scoring_model=scoring_model)


def _send(broker: Connection, run: TrainingRun) -> None:
    celery_app.send_task("mlcore.train_cpu", args=(run.pk,), connection=broker)


def _watch(run: TrainingRun, until: tuple[str, ...]) -> list[tuple[str, int]]:
    """(status, progress) of the run as seen every 0.1 s until its status is one of `until`."""
    seen: list[tuple[str, int]] = []

    def finished() -> bool:
        row = TrainingRun.objects.values_list("status", "progress").get(pk=run.pk)
        if not seen or seen[-1] != row:
            seen.append(row)
        return row[0] in until

    wait_for(finished, timeout=RUN_TIMEOUT_SECONDS, what=f"run {run.pk} to be {until}", every=0.1)
    return seen


def _wait_running_at(run: TrainingRun, progress: int) -> None:
    wait_for(
        lambda: TrainingRun.objects.filter(
            pk=run.pk, status="running", progress__gte=progress
        ).exists(),
        timeout=RUN_TIMEOUT_SECONDS,
        what=f"run {run.pk} to train past {progress}%",
        every=0.1,
    )


def _check_outcome(run: TrainingRun) -> ModelVersion:
    """One version; the promotion kept the rule; a promotion's rescore wrote each row once."""
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    version = ModelVersion.objects.get(scoring_model=run.scoring_model)
    assert version.run == run
    compared = run.metrics["compared"]
    assert compared["baseline_name"] == "the similarity fallback"
    assert run.promoted == (compared["candidate"]["qwk"] > compared["baseline"]["qwk"])
    assert version.is_active == run.promoted
    if run.promoted:
        wait_for(
            lambda: Prediction.objects.filter(version=version).count() >= len(UNGRADED),
            timeout=RUN_TIMEOUT_SECONDS,
            what="the rescore of the ungraded answers",
        )
    doubles = Prediction.objects.values("answer", "version").annotate(n=Count("id"))
    assert not doubles.filter(n__gt=1).exists()
    return version


def _check_happy_path(
    course: Course, teacher: User, broker: Connection, mp: pytest.MonkeyPatch
) -> None:
    run = _start(course, teacher, mp)  # once the worker is up: its start-up sweep is over
    _send(broker, run)
    seen = _watch(run, ("succeeded", "failed", "cancelled"))
    assert seen[0][0] == "queued"
    assert seen[-1] == ("succeeded", 100)
    running = [p for status, p in seen if status == "running"]
    assert running, seen
    assert any(0 < p < 100 for p in running), seen  # progress reported while it ran
    assert running == sorted(running)
    version = _check_outcome(run)
    run.refresh_from_db()
    assert [p["epoch"] for p in run.loss_curve] == list(range(1, SHORT["epochs"] + 1))
    assert version.config["train_config"]["epochs"] == SHORT["epochs"]


def test_a_run_over_the_filesystem_broker(
    course_with_teacher: tuple[Course, User], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    var_dir = tmp_path / "var"
    with (
        running_worker(env=_env(var_dir, SHORT), queues=EVERY_QUEUE, log=tmp_path / "w.log"),
        _filesystem_broker(var_dir) as broker,
    ):
        _check_happy_path(*course_with_teacher, broker, monkeypatch)


def test_a_worker_killed_mid_run_is_replaced_and_the_run_completes_once(
    course_with_teacher: tuple[Course, User],
    postgres: str,
    redis_db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    var_dir = tmp_path / "var"
    with Connection(redis_db_url) as broker:
        killed = tmp_path / "killed.log"
        with running_worker(
            env=_env(var_dir, ENDLESS, redis_db_url), queues=EVERY_QUEUE, log=killed
        ) as worker:
            # Made once the worker is up, so that its start-up sweep sends no second message:
            # the one this worker takes is the only one, and it dies unacknowledged with it.
            run = _start(*course_with_teacher, monkeypatch)
            _send(broker, run)
            _wait_running_at(run, FIT_START + 1)
            os.killpg(worker.process.pid, signal.SIGKILL)  # no warm shutdown, no ack, no cleanup
            worker.process.wait()
        run.refresh_from_db()
        assert (run.status, run.attempts) == ("running", 1)
        # Its message stays unacknowledged in Redis for hours: the new worker's sweep takes over
        # once the heartbeat is stale. It trains for less long, which changes nothing here.
        env = _env(var_dir, SHORT, redis_db_url)
        with running_worker(env=env, queues=EVERY_QUEUE, log=tmp_path / "new.log"):
            seen = _watch(run, ("succeeded", "failed", "cancelled"))
            version = _check_outcome(run)
    assert any(status == "running" and 0 < p < 100 for status, p in seen), seen
    run.refresh_from_db()
    assert run.attempts == 2
    assert [p["epoch"] for p in run.loss_curve] == list(range(1, SHORT["epochs"] + 1))
    assert version.config["train_config"]["epochs"] == SHORT["epochs"]
    assert ModelVersion.objects.count() == 1


def test_a_cancelled_run_stops_within_seconds(
    course_with_teacher: tuple[Course, User],
    postgres: str,
    redis_db_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    course, teacher = course_with_teacher
    env = _env(tmp_path / "var", ENDLESS, redis_db_url)
    with (
        running_worker(env=env, queues=EVERY_QUEUE, log=tmp_path / "w.log"),
        Connection(redis_db_url) as broker,
    ):
        run = _start(course, teacher, monkeypatch)
        _send(broker, run)
        _wait_running_at(run, FIT_START + 1)
        clicked = time.monotonic()
        training_run_cancel(actor=teacher, run=run)
        _watch(run, ("cancelled", "succeeded", "failed"))
        took = time.monotonic() - clicked
    run.refresh_from_db()
    assert run.status == "cancelled"
    assert run.progress < FIT_END
    assert took < 5.0, f"the run stopped {took:.1f} s after the cancel"
    assert not ModelVersion.objects.exists()
