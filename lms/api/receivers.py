"""What turns into webhook events, and when.

Submissions and grade releases send Django signals inside their transaction: the event is
dispatched once it commits. Scoring and training run in Celery tasks whose services the API
does not touch: the event is dispatched when the task has run (`task_postrun`), from what the
database then says, so a redelivered task sends nothing twice (the delivery's event key).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from django.db import transaction
from django.db.models import Max

from lms.api.models import WebhookEvent
from lms.api.webhooks import webhook_dispatch
from lms.assignments.models import Submission
from lms.grading.models import Grade
from mlcore.models import Prediction, TrainingRun

SCORING_TASKS = {"mlcore.score_submission"}
TRAINING_TASKS = {"mlcore.train_cpu", "mlcore.train_gpu"}


def _task_arg(args: Any, kwargs: Any, name: str) -> int | None:
    if kwargs and name in kwargs:
        return int(kwargs[name])
    return int(args[0]) if args else None


def on_submission_submitted(sender: Any, submission: Submission, **_: Any) -> None:
    data = {
        "submission": submission.pk,
        "assignment": submission.assignment_id,
        "student": submission.student_id,
        "attempt": submission.attempt,
        "submitted_at": submission.submitted_at,
        "is_late": submission.is_late,
    }
    course_id = submission.assignment.course_id
    transaction.on_commit(
        lambda: webhook_dispatch(
            event=WebhookEvent.SUBMISSION_CREATED,
            course_id=course_id,
            key=f"submission.created:{submission.pk}",
            data=data,
        )
    )


def _released(grade_ids: list[int]) -> None:
    by_course: dict[int, list[dict[str, Any]]] = defaultdict(list)
    rows = Grade.objects.filter(pk__in=grade_ids, state="released").values(
        "id",
        "answer_id",
        "points",
        "answer__submission_id",
        "answer__submission__student_id",
        "answer__submission__assignment_id",
        "answer__submission__assignment__course_id",
    )
    for row in rows:
        by_course[row["answer__submission__assignment__course_id"]].append(
            {
                "grade": row["id"],
                "answer": row["answer_id"],
                "submission": row["answer__submission_id"],
                "student": row["answer__submission__student_id"],
                "assignment": row["answer__submission__assignment_id"],
                "points": str(row["points"]),
            }
        )
    for course_id, grades in by_course.items():
        webhook_dispatch(
            event=WebhookEvent.GRADE_RELEASED,
            course_id=course_id,
            # Each release is its own event: a grade retracted and released again is news.
            key=f"grade.released:{uuid.uuid4().hex}",
            data={"grades": grades},
        )


def on_grades_released(sender: Any, grade_ids: list[int], **_: Any) -> None:
    transaction.on_commit(lambda: _released(list(grade_ids)))


def _feedback_ready(submission_id: int) -> None:
    submission = Submission.objects.filter(pk=submission_id).select_related("assignment").first()
    if submission is None:
        return
    figures = Prediction.objects.filter(answer__submission_id=submission_id).aggregate(
        last=Max("id")
    )
    if figures["last"] is None:
        return
    webhook_dispatch(
        event=WebhookEvent.FEEDBACK_READY,
        course_id=submission.assignment.course_id,
        key=f"feedback.ready:{submission_id}:{figures['last']}",
        data={
            "submission": submission_id,
            "assignment": submission.assignment_id,
            "student": submission.student_id,
        },
    )


def run_finished(run_id: int) -> None:
    """Announce a finished run (nothing while it runs, nor once it was announced)."""
    run = (
        TrainingRun.objects.filter(pk=run_id, status__in=TrainingRun.FINISHED)
        .select_related("scoring_model__question__assignment")
        .first()
    )
    if run is None:
        return
    question = run.scoring_model.question
    webhook_dispatch(
        event=WebhookEvent.TRAINING_RUN_FINISHED,
        course_id=question.assignment.course_id,
        key=f"training_run.finished:{run.pk}",
        data={
            "training_run": run.pk,
            "scoring_model": run.scoring_model_id,
            "question": question.pk,
            "status": run.status,
            "promoted": run.promoted,
        },
    )


def on_task_postrun(
    sender: Any = None, task: Any = None, args: Any = None, kwargs: Any = None, **_: Any
) -> None:
    name = getattr(task, "name", "")
    if name in SCORING_TASKS:
        submission_id = _task_arg(args, kwargs, "submission_id")
        if submission_id is not None:
            _feedback_ready(submission_id)
    elif name in TRAINING_TASKS:
        run_id = _task_arg(args, kwargs, "run_id")
        if run_id is not None:
            run_finished(run_id)
