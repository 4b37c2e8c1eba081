"""A missing or corrupt artifact: its version is marked broken, scoring falls back to the previous
version (or to similarity), the teachers are told, and the runtime caches what loads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import transaction

from lms.assignments.models import Question
from lms.courses.models import Course
from mlcore import runtime
from mlcore.artifacts import artifact_fetch
from mlcore.models import ModelVersion, Prediction
from mlcore.services.scoring import submission_score
from mlcore.tasks.maintenance import notify_version_broken_task
from mlcore.tasks.scoring import rescore_question_task
from tests.mlcore.scoring_helpers import RIGHT, fit_tiny_scorer, store_version, submit_answer
from tests.mlcore.scoring_helpers import text_question as make_question


@pytest.fixture(autouse=True)
def artifacts(settings: Any, tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "models"
    settings.STORAGES = settings.STORAGES | {
        "artifacts": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root)},
        }
    }
    runtime.clear()
    yield root
    runtime.clear()


@pytest.fixture(scope="module")
def scorer_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return fit_tiny_scorer(tmp_path_factory.mktemp("scorer"))


@pytest.fixture
def question(course: Course, teacher: Any) -> Question:
    return make_question(course)


@pytest.fixture
def run_tasks_on_commit(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registry's follow-up tasks run in this process when the transaction commits (the
    worker tests run them through a real broker)."""
    for task in (notify_version_broken_task, rescore_question_task):
        run: Callable[..., Any] = task.run
        monkeypatch.setattr(
            task,
            "delay_on_commit",
            lambda *args, _run=run: transaction.on_commit(lambda: _run(*args)),
        )


def _weights(version: ModelVersion) -> Path:
    return artifact_fetch(version.artifact, version.sha256) / "model.safetensors"


def test_a_missing_artifact_falls_back_to_similarity_and_tells_the_teachers(
    question: Question,
    scorer_dir: Path,
    run_tasks_on_commit: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    version = store_version(question, scorer_dir)
    _weights(version).unlink()
    answer = submit_answer(question, RIGHT)

    with django_capture_on_commit_callbacks(execute=True):
        assert submission_score(submission_id=answer.submission_id) == 1

    version.refresh_from_db()
    assert (version.status, version.is_active) == (ModelVersion.Status.BROKEN, False)
    assert "missing" in version.broken_reason
    prediction = Prediction.objects.get(answer=answer)
    assert (prediction.kind, prediction.version) == (Prediction.Kind.SIMILARITY, None)
    assert [m.to for m in mail.outbox] == [["teacher@example.com"]]
    assert "version 1 is broken" in mail.outbox[0].subject


def test_a_corrupt_artifact_falls_back_to_the_previous_version(
    question: Question, scorer_dir: Path, run_tasks_on_commit: None
) -> None:
    previous = store_version(question, scorer_dir, number=1, active=False)
    newest = store_version(question, scorer_dir, number=2)
    with _weights(newest).open("r+b") as weights:
        weights.seek(200)
        weights.write(b"\x00" * 16)  # the sha256 no longer matches the registry's
    answer = submit_answer(question, RIGHT)

    submission_score(submission_id=answer.submission_id)

    newest.refresh_from_db()
    previous.refresh_from_db()
    assert newest.status == ModelVersion.Status.BROKEN
    assert "sha256" in newest.broken_reason
    assert previous.is_active
    prediction = Prediction.objects.get(answer=answer)
    assert (prediction.kind, prediction.version) == (Prediction.Kind.MODEL, previous)


def test_the_runtime_loads_a_version_once_and_keeps_at_most_max_models(
    course: Course, scorer_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runtime, "MAX_MODELS", 2)
    versions = [store_version(make_question(course), scorer_dir) for _ in range(3)]
    loads: list[int] = []
    original = runtime._load
    monkeypatch.setattr(runtime, "_load", lambda v: loads.append(v.pk) or original(v))

    first = runtime.model_for(versions[0])
    assert runtime.model_for(versions[0]) is first
    runtime.model_for(versions[1])
    runtime.model_for(versions[2])  # evicts versions[0], the least recently used
    runtime.model_for(versions[1])

    assert loads == [versions[0].pk, versions[1].pk, versions[2].pk]
    assert runtime.model_for(versions[0]) is not first
    assert len(runtime._models) == 2
