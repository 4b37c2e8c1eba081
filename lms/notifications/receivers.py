"""What starts a notification task, and when: always after the commit of what caused it.

A grade release sends `grades_released` inside its transaction: the task is enqueued on commit.
The AI feedback is written by `mlcore.score_submission`, which the LMS apps do not import: the
task is enqueued when that task has run (`task_postrun`), and reads what the database then says.
"""

from __future__ import annotations

import uuid
from typing import Any

SCORING_TASK = "mlcore.score_submission"


def on_grades_released(sender: Any, grade_ids: list[int], **_: Any) -> None:
    from lms.notifications.tasks import grades_released_task

    # One key per release, made here, so a redelivered task reuses it and notifies nobody twice.
    grades_released_task.delay_on_commit(list(grade_ids), uuid.uuid4().hex)


def on_task_postrun(
    sender: Any = None,
    task: Any = None,
    args: Any = None,
    kwargs: Any = None,
    state: str | None = None,
    **_: Any,
) -> None:
    if getattr(task, "name", "") != SCORING_TASK or state != "SUCCESS":
        return
    submission_id = (kwargs or {}).get("submission_id", args[0] if args else None)
    if submission_id is None:
        return
    from lms.notifications.tasks import feedback_ready_task

    feedback_ready_task.delay_on_commit(int(submission_id))
