"""AI feedback on the submission page, from the app that makes it.

The LMS apps never import mlcore (mlcore imports them). The settings name the selector instead,
the way Django names its backends: `AULA_FEEDBACK_SELECTOR` is the dotted path of a function
called as `selector(submission=..., viewer=...)`; empty means the site shows no AI feedback.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from lms.accounts.models import User
from lms.assignments.models import Submission


def feedback_context(*, submission: Submission, viewer: User) -> dict[str, Any]:
    """Template context for the AI feedback part of the submission page."""
    path: str = getattr(settings, "AULA_FEEDBACK_SELECTOR", "")
    if not path:
        return {"feedback": None, "feedback_pending": False}
    selector = import_string(path)
    feedback = selector(submission=submission, viewer=viewer)
    return {"feedback": feedback, "feedback_pending": False}
