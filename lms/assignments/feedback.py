"""AI feedback on the submission page, from the app that makes it.

The LMS apps never import mlcore (mlcore imports them). The settings name the selector instead,
the way Django names its backends: `AULA_FEEDBACK_SELECTOR` is the dotted path of a function
called as `selector(submission=..., viewer=...)` that returns what the viewer may see
(`mlcore.selectors.feedback.SubmissionFeedback`: `.answers`, each with a `status` of ready, pending
or hidden, its score, key points and the answer cut into `segments` with the evidence marked).
Empty: the site shows no AI feedback.

This module only arranges it for the templates: question numbers as the page shows them, key
points numbered, and each piece of evidence naming the numbers of the key points it supports.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from lms.accounts.models import User
from lms.assignments.models import Submission

#: What the feedback part of the page says about itself, for htmx and for the benchmark:
#: ready (every item shown), pending (some still being computed: poll), hidden (after release
#: only), none (no text answer, or no AI feedback on this site).
READY, PENDING, HIDDEN, NONE = "ready", "pending", "hidden", "none"


@dataclass(frozen=True)
class Block:
    """One text answer's AI feedback, arranged for the template."""

    number: int  # the question's number on the page
    item: Any  # the selector's per-answer feedback
    key_points: list[tuple[int, Any]]  # (number, key point)
    pieces: list[tuple[str, str]]  # (text, "1, 3": the key points it is evidence for, or "")


def _arrange(number: int, item: Any) -> Block:
    numbers = {point.key_point: n for n, point in enumerate(item.key_points, start=1)}
    pieces = [
        (segment.text, ", ".join(str(numbers[k]) for k in segment.key_points if k in numbers))
        for segment in item.segments
    ]
    return Block(number, item, list(enumerate(item.key_points, start=1)), pieces)


def _state(statuses: list[str]) -> str:
    if not statuses:
        return NONE
    if PENDING in statuses:
        return PENDING
    return READY if READY in statuses else HIDDEN


def feedback_context(*, submission: Submission, viewer: User) -> dict[str, Any]:
    """Template context for the AI feedback part of the submission page."""
    path: str = getattr(settings, "AULA_FEEDBACK_SELECTOR", "")
    if not path:
        return {"feedback_blocks": [], "feedback_state": NONE, "feedback_for_teacher": False}
    feedback = import_string(path)(submission=submission, viewer=viewer)
    question_ids = list(
        submission.assignment.questions.order_by("position", "id").values_list("id", flat=True)
    )
    number_of = {pk: n for n, pk in enumerate(question_ids, start=1)}
    blocks = [_arrange(number_of[item.answer.question_id], item) for item in feedback.answers]
    return {
        "feedback_blocks": blocks,
        "feedback_state": _state([item.status for item in feedback.answers]),
        "feedback_for_teacher": feedback.audience == "teacher",
    }
