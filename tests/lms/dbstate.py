"""A snapshot of the rows a refused action must not change, for "bad input changes nothing"."""

from __future__ import annotations

from typing import Any

from lms.assignments.models import Answer, Extension, Submission
from lms.courses.models import Course, Enrollment
from lms.grading.models import Grade, GradeEvent

WATCHED = (Course, Enrollment, Extension, Submission, Answer, Grade, GradeEvent)


def db_state() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the watched models, every column, in primary-key order."""
    state: dict[str, list[tuple[Any, ...]]] = {}
    for model in WATCHED:
        columns = [field.attname for field in model._meta.concrete_fields]
        state[model.__name__] = list(model.objects.order_by("pk").values_list(*columns))
    state["Answer.choices"] = list(
        Answer.choices.through.objects.order_by("pk").values_list("answer_id", "choice_id")
    )
    return state
