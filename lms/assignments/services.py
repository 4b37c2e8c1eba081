"""Writes for assignments, questions, extensions and submissions.

Bad input or a refused action raises `ValidationError` with a message for the person; a role that
may not act raises `PermissionDenied`. Either way nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from django.db import transaction

from lms.accounts.models import User
from lms.assignments.models import Assignment, Category, Extension, Question, Submission
from lms.courses.models import Course, Skill


class ChoiceSpec(TypedDict):
    text: str
    is_correct: NotRequired[bool]


class LevelSpec(TypedDict):
    title: str
    points: Decimal | int | str
    description: NotRequired[str]


class CriterionSpec(TypedDict):
    title: str
    description: NotRequired[str]
    levels: list[LevelSpec]


# question id (int, or its digits as a form posts them) -> {"text": str} | {"choice_ids": [int]}
# | {"number": Decimal | int | float | str}
Answers = Mapping[int | str, Mapping[str, Any]]


@transaction.atomic
def category_create(
    *, actor: User, course: Course, name: str, weight: Decimal | int = 0, position: int = 0
) -> Category:
    """Add a gradebook category (Canvas: assignment group) with its weight in percent."""
    raise NotImplementedError


@transaction.atomic
def assignment_create(
    *, actor: User, course: Course, title: str, category: Category | None = None, **fields: Any
) -> Assignment:
    """Create an unpublished assignment with a copy of the course's late policy.

    `fields`: instructions, opens_at, due_at, lock_at, max_attempts, attempt_scoring,
    release_policy, position, and any late policy field to override the course's default.
    """
    raise NotImplementedError


@transaction.atomic
def assignment_update(*, actor: User, assignment: Assignment, **fields: Any) -> Assignment:
    """Change an assignment's settings (the same `fields` as `assignment_create`, and category)."""
    raise NotImplementedError


@transaction.atomic
def assignment_publish(
    *, actor: User, assignment: Assignment, published: bool = True
) -> Assignment:
    """Show the assignment to students (or hide it again); it needs at least one question."""
    raise NotImplementedError


@transaction.atomic
def question_create(
    *,
    actor: User,
    assignment: Assignment,
    kind: str,
    prompt: str,
    points: Decimal | int | str = 1,
    choices: Sequence[ChoiceSpec] = (),
    criteria: Sequence[CriterionSpec] = (),
    skills: Iterable[Skill] = (),
    **fields: Any,
) -> Question:
    """Add a question with its choices, rubric and skills, validated by kind.

    `fields`: position, numeric_answer, numeric_tolerance, reference_answers, key_points,
    accepted_answers, case_sensitive, max_chars.
    """
    raise NotImplementedError


@transaction.atomic
def extension_grant(
    *,
    actor: User,
    assignment: Assignment,
    student: User,
    due_at: datetime | None = None,
    lock_at: datetime | None = None,
    extra_attempts: int = 0,
    reason: str = "",
) -> Extension:
    """Give one student their own due and closing times and extra attempts (replaces earlier)."""
    raise NotImplementedError


@transaction.atomic
def submission_save_draft(
    *, student: User, assignment: Assignment, answers: Answers, now: datetime | None = None
) -> Submission:
    """Save answers to the student's attempt in progress, opening one if needed."""
    raise NotImplementedError


@transaction.atomic
def submission_submit(
    *, student: User, assignment: Assignment, answers: Answers, now: datetime | None = None
) -> Submission:
    """Submit an attempt: checks, attempt number, lateness and rule grading, in one transaction.

    `answers` are merged over the attempt in progress, if any. `now` lets imports and the demo
    seed set the submission time.
    """
    raise NotImplementedError
