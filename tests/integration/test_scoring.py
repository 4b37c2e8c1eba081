"""Submit -> feedback with a real worker process: a submission gets a `Prediction` per text answer
and a suggested `Grade`, and the same scoring message delivered twice leaves one of each.

Over the embedded filesystem broker with the SQLite test database (runs everywhere), and over
Redis with PostgreSQL (skipped without them, required under CI=true). One question of the
submission has a trained version (a tiny MLP stored with `artifact_store` where the worker reads
its artifacts), the other none (the similarity fallback).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from kombu import Connection

from lms.assignments.models import Question, Submission
from lms.courses.models import Course
from lms.grading.models import Grade, GradeEvent
from mlcore.models import ModelVersion, Prediction
from mlcore.tasks.scoring import score_submission_task
from tests.factories import CourseFactory
from tests.integration.workers import LiveWorker, wait_for
from tests.mlcore.scoring_helpers import (
    RIGHT,
    WRONG,
    fit_tiny_scorer,
    new_student,
    store_version,
    submit,
    text_question,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SCORED_TIMEOUT_SECONDS = 120.0


def _filesystem_options(var_dir: Path) -> dict[str, str]:
    # The broker folders as lms/settings.py lays them out under the worker's AULA_VAR_DIR.
    return {
        key: str(var_dir / "celery" / sub)
        for key, sub in (
            ("data_folder_in", "queue"),
            ("data_folder_out", "queue"),
            ("processed_folder", "processed"),
            ("control_folder", "control"),
        )
    }


@contextmanager
def routed_to(monkeypatch: pytest.MonkeyPatch, **route: Any) -> Iterator[list[str]]:
    """Messages of `mlcore.score_submission` sent from here (by the submit signal's receiver
    too) reach this test's worker: its broker connection or its own queue. Yields their ids."""
    original = score_submission_task.apply_async
    sent: list[str] = []

    def apply_async(*args: Any, **options: Any) -> Any:
        result = original(*args, **(options | route))
        sent.append(result.id)
        return result

    monkeypatch.setattr(score_submission_task, "apply_async", apply_async)
    yield sent


def _artifacts_of(worker: LiveWorker, settings: Any) -> None:
    # Where the worker's settings put them (its AULA_VAR_DIR), so it reads what this test stores.
    settings.STORAGES = settings.STORAGES | {
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(worker.var_dir / "models")},
        }
    }


def _two_questions(course: Course, scorer_dir: Path) -> tuple[Question, Question]:
    trained, fallback = text_question(course), text_question(course)
    fallback.assignment = trained.assignment
    fallback.save()
    store_version(trained, scorer_dir)
    return trained, fallback


def _check_scored_once(submission: Submission, trained: Question, fallback: Question) -> None:
    predictions = {p.answer.question_id: p for p in Prediction.objects.select_related("answer")}
    assert len(predictions) == Prediction.objects.count() == 2
    version = ModelVersion.objects.get(scoring_model__question=trained)
    assert (predictions[trained.pk].kind, predictions[trained.pk].version) == ("model", version)
    assert predictions[trained.pk].score == Decimal(2)
    assert (predictions[fallback.pk].kind, predictions[fallback.pk].version) == ("similarity", None)
    assert predictions[fallback.pk].score <= Decimal(1)
    grades = Grade.objects.filter(answer__submission=submission)
    assert {(g.state, g.source) for g in grades} == {("suggested", "model")}
    assert GradeEvent.objects.filter(grade__in=grades).count() == 2


def _results(worker: LiveWorker) -> list[str]:
    """What each finished `mlcore.score_submission` returned (predictions written), in order."""
    log = worker.log.read_text(errors="replace")
    return re.findall(r"mlcore\.score_submission\[[^\]]+\] succeeded in [\d.]+s: (\d+)", log)


def _run_flow(worker: LiveWorker, sent: list[str], scorer_dir: Path) -> None:
    trained, fallback = _two_questions(CourseFactory(), scorer_dir)
    student = new_student(trained.assignment.course)

    # The receiver enqueues on commit (a transactional test: at once); then the same message
    # again, same id, as a redelivery after a lost acknowledgement would bring it.
    submission = submit(student, trained.assignment, {trained.pk: RIGHT, fallback.pk: WRONG})
    assert len(sent) == 1
    score_submission_task.apply_async(args=(submission.pk,), task_id=sent[0])

    results = wait_for(
        lambda: _results(worker) if len(_results(worker)) >= 2 else None,
        timeout=SCORED_TIMEOUT_SECONDS,
        what="both deliveries to finish",
    )
    assert results == ["2", "0"]  # the second delivery wrote nothing
    _check_scored_once(submission, trained, fallback)


@pytest.fixture(scope="module")
def scorer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fit_tiny_scorer(tmp_path_factory.mktemp("scorer"))


def test_submit_to_feedback_over_the_filesystem_broker(
    filesystem_worker: LiveWorker,
    scorer_dir: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _artifacts_of(filesystem_worker, settings)
    options = _filesystem_options(filesystem_worker.var_dir)
    with (
        Connection("filesystem://", transport_options=options) as broker,
        routed_to(monkeypatch, connection=broker) as sent,
    ):
        _run_flow(filesystem_worker, sent, scorer_dir)
    # A solo worker that consumes ml_cpu loads the encoder before it takes its first task.
    log = filesystem_worker.log.read_text()
    assert log.index("scoring runtime warmed up") < log.index(" ready.")


def test_submit_to_feedback_over_redis_with_postgres(
    redis_worker: LiveWorker,
    redis_queue: str,
    scorer_dir: Path,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _artifacts_of(redis_worker, settings)
    with routed_to(monkeypatch, queue=redis_queue) as sent:
        _run_flow(redis_worker, sent, scorer_dir)


def test_two_deliveries_racing_on_postgres_write_once(
    postgres: str, transactional_db: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.db import connection

    from mlcore.services import scoring

    question = text_question(CourseFactory())
    submission = submit(
        new_student(question.assignment.course), question.assignment, {question.pk: RIGHT}
    )
    both_computed = threading.Barrier(2, timeout=60)
    original = scoring._compute

    def compute_then_wait(*args: Any, **kwargs: Any) -> Any:
        rows = original(*args, **kwargs)
        both_computed.wait()  # neither has written yet: both go for the same rows now
        return rows

    monkeypatch.setattr(scoring, "_compute", compute_then_wait)
    results: list[int] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        try:
            results.append(scoring.submission_score(submission_id=submission.pk))
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert sorted(results) == [0, 1]
    assert Prediction.objects.filter(answer__submission=submission).count() == 1
    assert GradeEvent.objects.filter(grade__answer__submission=submission).count() == 1
