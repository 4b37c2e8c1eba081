"""The training and maintenance tasks are thin: each calls its service (run in-process here, as a
worker would), and the periodic sweeps send what they find to the right task."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from lms.accounts.models import User
from lms.courses.models import Course
from mlcore.models import TrainingRun
from mlcore.services.registry import scoring_model_for
from mlcore.tasks import maintenance
from mlcore.tasks.maintenance import (
    prune_artifacts_task,
    retrain_due_task,
    sweep_stale_runs_task,
    sweep_unscored_task,
)
from mlcore.tasks.scoring import score_submission_task
from mlcore.tasks.training import (
    TRAIN_SOFT_TIME_LIMIT,
    TRAIN_TIME_LIMIT,
    train_cpu_task,
    train_gpu_task,
)
from tests.mlcore.training_helpers import (
    Sent,
    add_answers,
    graded_question,
    record_sent,
    text_question,
)


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Sent:
    return record_sent(monkeypatch, [train_cpu_task, train_gpu_task, score_submission_task])


def test_training_tasks_are_named_late_acked_and_time_limited(settings: Any) -> None:
    for task, name in ((train_cpu_task, "mlcore.train_cpu"), (train_gpu_task, "mlcore.train_gpu")):
        assert task.name == name
        assert task.acks_late
        assert task.reject_on_worker_lost
        assert (task.soft_time_limit, task.time_limit) == (TRAIN_SOFT_TIME_LIMIT, TRAIN_TIME_LIMIT)
    assert TRAIN_SOFT_TIME_LIMIT < TRAIN_TIME_LIMIT <= settings.CELERY_LONGEST_TASK_SECONDS
    # Routed by name in settings: fine-tuning to the GPU workers, the rest to the CPU ones.
    assert settings.CELERY_TASK_ROUTES["mlcore.train_gpu"] == {"queue": "ml_gpu"}
    assert settings.CELERY_TASK_ROUTES["mlcore.train_cpu"] == {"queue": "ml_cpu"}


def test_beat_runs_every_periodic_task_on_its_setting(settings: Any) -> None:
    schedule = {e["task"]: e["schedule"] for e in settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule == {
        "mlcore.retrain_due": settings.AULA_RETRAIN_CHECK_SECONDS,
        "mlcore.sweep_unscored": settings.AULA_SCORING_SWEEP_SECONDS,
        "mlcore.sweep_stale_runs": settings.AULA_TRAINING_STALE_SECONDS,
        "mlcore.prune_artifacts": settings.AULA_ARTIFACTS_PRUNE_SECONDS,
        "notifications.due_soon": settings.AULA_DUE_REMINDER_SECONDS,
    }


def test_a_duplicate_training_message_does_nothing(course: Course, teacher: User) -> None:
    run = TrainingRun.objects.create(
        scoring_model=scoring_model_for(text_question(course)),
        status="succeeded",
        family="mlp",
        loss="mse",
        queue="ml_cpu",
    )
    assert train_cpu_task(run.pk) == "skipped"


def test_sweep_unscored_sends_lost_submissions_to_scoring_again(
    course: Course, settings: Any, sent: Sent
) -> None:
    question = text_question(course)
    lost, _recent = add_answers(question, ["Light scatters.", "Blue is short."])
    long_ago = timezone.now() - timedelta(seconds=settings.AULA_SCORING_STALE_SECONDS + 1)
    lost.submission.submitted_at = long_ago
    lost.submission.save()
    assert sweep_unscored_task() == [lost.submission_id]
    assert sent == [("mlcore.score_submission", (lost.submission_id,))]


def test_retrain_sweep_and_prune_tasks_call_their_services(
    course: Course, teacher: User, settings: Any, sent: Sent
) -> None:
    scoring_model = scoring_model_for(graded_question(course, teacher, 3))
    scoring_model.retrain_threshold = 3
    scoring_model.save()
    started = retrain_due_task()
    assert started == list(TrainingRun.objects.values_list("pk", flat=True))
    TrainingRun.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert sweep_stale_runs_task() == started
    assert prune_artifacts_task() == []


def test_a_starting_worker_sweeps_now_and_once_a_heartbeat_can_be_stale(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    swept: list[str] = []
    timers: list[tuple[float, Any]] = []

    class FakeTimer:
        def __init__(self, seconds: float, action: Any) -> None:
            timers.append((seconds, action))
            self.daemon = False

        def start(self) -> None:
            assert self.daemon  # never keeps a stopping worker alive

    monkeypatch.setattr(maintenance, "training_runs_sweep", lambda: swept.append("now") or [])
    monkeypatch.setattr(maintenance.threading, "Timer", FakeTimer)
    maintenance._sweep_when_a_worker_starts(sender=None)
    assert swept == ["now"]
    assert [seconds for seconds, _ in timers] == [settings.AULA_TRAINING_STALE_SECONDS + 5]
