"""The benchmark's course, built through the services; its trained model; the no-op round trip.

Imported once Django is set up against the benchmark's own database (`bench_feedback.py`).
"""

from __future__ import annotations

import itertools
import secrets
import sys
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import redis
from bench_feedback_client import wait_until
from django.conf import settings
from django.core.cache import cache

from lms.accounts.models import User
from lms.assignments.models import Question
from lms.assignments.services import (
    assignment_create,
    assignment_publish,
    question_create,
    submission_submit,
)
from lms.core.demo.answers_dark_cupboard import DARK_CUPBOARD
from lms.core.demo.unit_check import UNIT_CHECK
from lms.core.tasks import heartbeat_cache_key, heartbeat_task
from lms.courses.models import Course, Enrollment
from lms.courses.services import course_create, enrollment_create
from lms.grading.services import grade_set
from mlcore.models import Family, TrainingRun
from mlcore.services.registry import scoring_model_for, scoring_model_update, version_activate
from mlcore.services.training import training_run_start

TRAINING_TIMEOUT_SECONDS = 600
TEACHER_EMAIL = "teacher@bench.example"


@dataclass
class BenchCourse:
    assignment_id: int
    question_id: int
    password: str
    student_emails: list[str]
    texts: tuple[str, ...]
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    def next_text(self) -> str:
        """The pool's answers in turn, each made unique so that no cache of texts helps."""
        number = next(self._counter)
        return f"{self.texts[number % len(self.texts)]} (Answer {number}.)"


def _dark_cupboard_question() -> Any:
    return next(q for q in UNIT_CHECK.questions if q.answers is DARK_CUPBOARD)


def build_course(*, students: int) -> BenchCourse:
    """A course with AI feedback at once, the short-answer question, its 42 answers graded by
    the teacher (each one a writer's submission), and `students` who can log in."""
    password = secrets.token_urlsafe(12)
    teacher = User.objects.create_user(TEACHER_EMAIL, password, display_name="Bench teacher")
    course = course_create(
        teacher=teacher,
        code="BENCH",
        title="Feedback benchmark",
        ai_feedback=Course.AIFeedback.IMMEDIATE,
    )
    spec = _dark_cupboard_question()
    assignment = assignment_create(
        actor=teacher, course=course, title="Why did the plant stop growing?", max_attempts=None
    )
    question = question_create(
        actor=teacher,
        assignment=assignment,
        kind=Question.Kind.SHORT_TEXT,
        prompt=spec.prompt,
        points=spec.points,
        reference_answers=list(spec.reference_answers),
        key_points=list(spec.key_points),
        max_chars=spec.max_chars,
    )
    assignment_publish(actor=teacher, assignment=assignment)
    for number, written in enumerate(DARK_CUPBOARD):
        writer = User.objects.create_user(f"writer{number}@bench.example", None)
        enrollment_create(actor=teacher, course=course, user=writer, role=Enrollment.Role.STUDENT)
        submission = submission_submit(
            student=writer, assignment=assignment, answers={question.pk: {"text": written.text}}
        )
        answer = submission.answers.get()
        grade_set(
            actor=teacher, answer=answer, points=Decimal(written.score), comment=written.comment
        )
    emails = []
    for number in range(students):
        email = f"student{number}@bench.example"
        student = User.objects.create_user(email, password, display_name=f"Student {number}")
        enrollment_create(actor=teacher, course=course, user=student, role=Enrollment.Role.STUDENT)
        emails.append(email)
    texts = tuple(written.text for written in DARK_CUPBOARD)
    print(f"bench: course built ({len(texts)} graded answers)", file=sys.stderr)
    return BenchCourse(assignment.pk, question.pk, password, emails, texts)


def train(course: BenchCourse) -> dict[str, Any]:
    """Train the question's model on the worker (MLP family); make sure that version is active."""
    teacher = User.objects.get(email=TEACHER_EMAIL)
    scoring_model = scoring_model_for(Question.objects.get(pk=course.question_id))
    scoring_model_update(actor=teacher, scoring_model=scoring_model, family=Family.MLP)
    run = training_run_start(actor=teacher, scoring_model=scoring_model)
    print(f"bench: training run {run.pk} queued", file=sys.stderr)

    def finished() -> TrainingRun | None:
        run.refresh_from_db()
        return run if run.is_finished else None

    wait_until(finished, timeout=TRAINING_TIMEOUT_SECONDS, what="the training run", every=0.5)
    if run.status != TrainingRun.Status.SUCCEEDED:
        raise RuntimeError(f"the training run ended {run.status}: {run.error or run.stage}")
    version = run.version
    if not version.is_active:
        # The teacher's restore button: the benchmark times the trained model, not the fallback.
        version_activate(actor=teacher, version=version, reason="bench: time the trained model")
    wait_idle()
    return {
        "kind": "trained model",
        "family": version.family,
        "version": version.number,
        "promoted_by_rule": run.promoted,
        "decision": run.decision,
        "heldout_metrics": version.metrics,
        "training_seconds": (
            round((run.finished_at - run.started_at).total_seconds(), 1)
            if run.finished_at and run.started_at
            else None
        ),
    }


def wait_idle() -> None:
    """Wait until the worker has nothing queued or in hand (the setup's scoring and rescoring)."""
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)

    def idle() -> bool:
        queued = sum(client.llen(queue) for queue in ("ml_cpu", "default"))
        return queued == 0 and client.hlen("unacked") == 0

    wait_until(idle, timeout=TRAINING_TIMEOUT_SECONDS, what="the worker to be idle", every=0.5)
    time.sleep(1)


def noop_round_trip(poll_s: float, timeout: float) -> float:
    """Milliseconds from sending `core.heartbeat` to finding the cache key it writes."""
    token = uuid.uuid4().hex
    started = time.perf_counter()
    heartbeat_task.apply_async(args=(token,))
    wait_until(
        lambda: cache.get(heartbeat_cache_key(token)),
        timeout=timeout,
        what="the no-op task",
        every=poll_s,
    )
    return (time.perf_counter() - started) * 1000
