"""Writes for assignments, questions, extensions and submissions.

Bad input or a refused action raises `ValidationError` with a message for the person; a role that
may not act raises `PermissionDenied`. Either way nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NotRequired, TypedDict

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from lms.accounts.models import User
from lms.assignments.answers import Answers, CleanAnswer, clean_answers
from lms.assignments.models import (
    Answer,
    Assignment,
    Category,
    Choice,
    Criterion,
    Extension,
    Level,
    Question,
    Submission,
)
from lms.assignments.selectors import (
    attempts_allowed,
    effective_due_for,
    effective_lock_for,
    extension_for,
    has_submitted_work,
)
from lms.assignments.signals import submission_submitted
from lms.courses.models import Course, Enrollment, Skill
from lms.courses.services import LATE_POLICY_FIELDS, require_course_manager, set_fields
from lms.grading.late_policy import minutes_late
from lms.grading.services import grade_apply_rule

__all__ = [
    "Answers",
    "ChoiceSpec",
    "CriterionSpec",
    "LevelSpec",
    "assignment_create",
    "assignment_publish",
    "assignment_update",
    "category_create",
    "extension_grant",
    "extension_revoke",
    "question_create",
    "question_delete",
    "question_reorder",
    "question_update",
    "submission_save_draft",
    "submission_submit",
]

ASSIGNMENT_FIELDS = frozenset(
    {
        "title",
        "category",
        "instructions",
        "opens_at",
        "due_at",
        "lock_at",
        "max_attempts",
        "attempt_scoring",
        "release_policy",
        "position",
        *LATE_POLICY_FIELDS,
    }
)
QUESTION_FIELDS = frozenset(
    {
        "position",
        "numeric_answer",
        "numeric_tolerance",
        "reference_answers",
        "key_points",
        "accepted_answers",
        "case_sensitive",
        "max_chars",
    }
)

# What may change once students have submitted work (Canvas warns that edits to a quiz with
# submissions do not reach them; here the answer key and points are locked instead, so that every
# grade given stays the grade of the question as it stands): wording, never the grading.
GRADING_FIELDS = (
    "points",
    "numeric_answer",
    "numeric_tolerance",
    "accepted_answers",
    "case_sensitive",
)
LOCKED_QUESTIONS = (
    "Students have submitted this assignment: questions can no longer be added, removed or "
    "re-scored, only reworded."
)
LOCKED_GRADING = "Students have submitted this assignment: this can no longer change."


class ChoiceSpec(TypedDict):
    text: str
    is_correct: NotRequired[bool]
    id: NotRequired[int | None]  # an existing choice to update (`question_update`)


class LevelSpec(TypedDict):
    title: str
    points: Decimal | int | str
    description: NotRequired[str]
    id: NotRequired[int | None]


class CriterionSpec(TypedDict):
    title: str
    description: NotRequired[str]
    levels: list[LevelSpec]
    id: NotRequired[int | None]


@transaction.atomic
def category_create(
    *, actor: User, course: Course, name: str, weight: Decimal | int = 0, position: int = 0
) -> Category:
    """Add a gradebook category (Canvas: assignment group) with its weight in percent."""
    require_course_manager(actor=actor, course=course)
    category = Category(course=course, name=name.strip(), weight=Decimal(weight), position=position)
    category.full_clean()
    category.save()
    return category


@transaction.atomic
def assignment_create(
    *, actor: User, course: Course, title: str, category: Category | None = None, **fields: Any
) -> Assignment:
    """Create an unpublished assignment with a copy of the course's late policy.

    `fields`: instructions, opens_at, due_at, lock_at, max_attempts, attempt_scoring,
    release_policy, position, and any late policy field to override the course's default.
    """
    require_course_manager(actor=actor, course=course)
    assignment = Assignment(course=course, title=title.strip(), category=category)
    for name in LATE_POLICY_FIELDS:
        setattr(assignment, name, getattr(course, name))
    set_fields(assignment, fields, ASSIGNMENT_FIELDS - {"title", "category"})
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def assignment_update(*, actor: User, assignment: Assignment, **fields: Any) -> Assignment:
    """Change an assignment's settings (the same `fields` as `assignment_create`, and category).

    Submissions keep the lateness they were given when they arrived.
    """
    require_course_manager(actor=actor, course=assignment.course)
    set_fields(assignment, fields, ASSIGNMENT_FIELDS)
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def assignment_publish(
    *, actor: User, assignment: Assignment, published: bool = True
) -> Assignment:
    """Show the assignment to students (or hide it again); it needs at least one question."""
    require_course_manager(actor=actor, course=assignment.course)
    if published and not assignment.questions.exists():
        raise ValidationError("Add at least one question before publishing the assignment.")
    assignment.is_published = published
    assignment.save(update_fields=["is_published", "updated_at"])
    return assignment


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

    `fields`: position (default: after the last question), numeric_answer, numeric_tolerance,
    reference_answers, key_points, accepted_answers, case_sensitive, max_chars.
    """
    require_course_manager(actor=actor, course=assignment.course)
    if has_submitted_work(assignment):
        raise ValidationError(LOCKED_QUESTIONS)
    if kind not in Question.Kind.values:
        raise ValidationError(f"{kind!r} is not a question kind.")
    question = Question(assignment=assignment, kind=kind, prompt=prompt, points=Decimal(points))
    last = assignment.questions.aggregate(last=Max("position"))["last"]
    question.position = 0 if last is None else last + 1
    set_fields(question, fields, QUESTION_FIELDS)
    _check_choices(question, choices)
    _check_rubric(question, criteria)
    skills = list(skills)
    if any(skill.course_id != assignment.course_id for skill in skills):
        raise ValidationError("A question can only be tagged with skills of its own course.")
    question.full_clean()
    question.save()
    _sync_choices(question, choices, {})
    _sync_rubric(question, criteria, {})
    question.skills.set(skills)
    return question


def _check_choices(question: Question, choices: Sequence[ChoiceSpec]) -> None:
    if not question.is_choice:
        if choices:
            raise ValidationError("Only choice questions take choices.")
        return
    if len(choices) < 2:
        raise ValidationError("A choice question needs at least two choices.")
    if any(not spec["text"].strip() for spec in choices):
        raise ValidationError("Every choice needs a text.")
    correct = sum(1 for spec in choices if spec.get("is_correct", False))
    if question.kind == Question.Kind.SINGLE_CHOICE and correct != 1:
        raise ValidationError("A single choice question needs exactly one correct choice.")
    if question.kind == Question.Kind.MULTIPLE_CHOICE and correct < 1:
        raise ValidationError("A multiple choice question needs at least one correct choice.")


def _check_rubric(question: Question, criteria: Sequence[CriterionSpec]) -> None:
    top_total = Decimal(0)
    for spec in criteria:
        if not spec["levels"]:
            raise ValidationError(f"The rubric criterion {spec['title']!r} needs levels.")
        level_points = [Decimal(level["points"]) for level in spec["levels"]]
        if min(level_points) < 0:
            raise ValidationError("Rubric levels cannot have negative points.")
        top_total += max(level_points)
    # A grade is at most the question's points, so a rubric worth more could not be used in full.
    if top_total > question.points:
        raise ValidationError(
            f"The rubric's best levels add up to {top_total} points, more than the question's "
            f"{question.points}."
        )


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
    require_course_manager(actor=actor, course=assignment.course)
    if not _student_enrollment(student, assignment, lock=False):
        raise ValidationError(f"{student} is not an active student of this course.")
    effective_lock = lock_at or assignment.lock_at
    if due_at and effective_lock and effective_lock < due_at:
        raise ValidationError("The extended due time must come before the closing time.")
    if extra_attempts < 0:
        raise ValidationError("Extra attempts cannot be negative.")
    extension, _ = Extension.objects.update_or_create(
        assignment=assignment,
        student=student,
        defaults={
            "due_at": due_at,
            "lock_at": lock_at,
            "extra_attempts": extra_attempts,
            "reason": reason,
        },
    )
    return extension


def _student_enrollment(student: User, assignment: Assignment, *, lock: bool) -> Enrollment | None:
    enrollments = Enrollment.objects.filter(
        user=student,
        course_id=assignment.course_id,
        role=Enrollment.Role.STUDENT,
        is_active=True,
    )
    return (enrollments.select_for_update() if lock else enrollments).first()


def _when(moment: datetime) -> str:
    # Rendered in the active time zone, which the middleware sets to the user's own.
    return f"{timezone.localtime(moment):%Y-%m-%d %H:%M %Z}"


def _open_attempt(
    *, student: User, assignment: Assignment, now: datetime
) -> tuple[Assignment, Submission, datetime | None]:
    """Check that the student may work on the assignment now; return a fresh copy of the
    assignment, the attempt in progress (unsaved when new) and the due time for this student."""
    # Locking the student's enrolment row serialises their concurrent saves and submits, so two
    # requests cannot both take the same attempt number (SQLite serialises all writers anyway).
    if _student_enrollment(student, assignment, lock=True) is None:
        raise PermissionDenied("Only the course's active students can submit work to it.")
    assignment = Assignment.objects.get(pk=assignment.pk)
    extension = extension_for(assignment, student)
    due = effective_due_for(assignment, student, extension=extension)
    lock = effective_lock_for(assignment, student, extension=extension)
    if not assignment.is_published:
        raise ValidationError("This assignment is not published.")
    if assignment.opens_at and now < assignment.opens_at:
        raise ValidationError(f"This assignment opens at {_when(assignment.opens_at)}.")
    if lock and now > lock:
        raise ValidationError(f"This assignment closed at {_when(lock)}.")
    if due and now > due and not assignment.late_submissions_accepted:
        raise ValidationError(f"This assignment was due at {_when(due)} and takes no late work.")
    attempts = Submission.objects.filter(assignment=assignment, student=student)
    allowed = attempts_allowed(assignment, student, extension=extension)
    used = attempts.filter(status=Submission.Status.SUBMITTED).count()
    if allowed is not None and used >= allowed:
        raise ValidationError(f"You have used all {allowed} attempts at this assignment.")
    draft = attempts.filter(status=Submission.Status.DRAFT).first()
    if draft is None:
        last = attempts.aggregate(last=Max("attempt"))["last"] or 0
        draft = Submission(assignment=assignment, student=student, attempt=last + 1, started_at=now)
    return assignment, draft, due


def _questions(assignment: Assignment) -> list[Question]:
    return list(assignment.questions.prefetch_related("choices").order_by("position", "id"))


def _store_answers(submission: Submission, cleaned: list[CleanAnswer]) -> None:
    """Write the answers over the attempt's earlier ones, question by question."""
    for item in cleaned:
        answer, _ = Answer.objects.update_or_create(
            submission=submission,
            question=item.question,
            defaults={"text": item.text, "number": item.number},
        )
        if item.question.is_choice:
            answer.choices.set(item.choice_ids)


@transaction.atomic
def submission_save_draft(
    *, student: User, assignment: Assignment, answers: Answers, now: datetime | None = None
) -> Submission:
    """Save answers to the student's attempt in progress, opening one if needed."""
    now = now or timezone.now()
    assignment, submission, _ = _open_attempt(student=student, assignment=assignment, now=now)
    cleaned = clean_answers(_questions(assignment), answers)
    submission.save()
    _store_answers(submission, cleaned)
    return submission


@transaction.atomic
def submission_submit(
    *, student: User, assignment: Assignment, answers: Answers, now: datetime | None = None
) -> Submission:
    """Submit an attempt: checks, attempt number, lateness and rule grading, in one transaction.

    `answers` are merged over the attempt in progress, if any. `now` lets imports and the demo
    seed set the submission time.
    """
    now = now or timezone.now()
    assignment, submission, due = _open_attempt(student=student, assignment=assignment, now=now)
    cleaned = clean_answers(_questions(assignment), answers)
    submission.save()
    _store_answers(submission, cleaned)
    late = minutes_late(now, due)
    submission.status = Submission.Status.SUBMITTED
    submission.submitted_at = now
    submission.minutes_late = late
    submission.is_late = late > 0
    submission.save()
    for answer in submission.answers.select_related("question").prefetch_related(
        "choices", "question__choices"
    ):
        grade_apply_rule(answer=answer)
    # AI scoring listens here (mlcore); it enqueues its task on commit.
    submission_submitted.send(sender=Submission, submission=submission)
    return submission


@transaction.atomic
def question_update(
    *,
    actor: User,
    question: Question,
    prompt: str | None = None,
    points: Decimal | int | str | None = None,
    choices: Sequence[ChoiceSpec] | None = None,
    criteria: Sequence[CriterionSpec] | None = None,
    skills: Iterable[Skill] | None = None,
    **fields: Any,
) -> Question:
    """Change a question (None keeps a part as it is); choices and rubric rows with an `id` are
    updated, the others created, and rows left out deleted.

    Once students have submitted the assignment only wording may change: the answer key, points,
    choices' correctness and the rubric's levels and points are locked (`GRADING_FIELDS`).
    """
    require_course_manager(actor=actor, course=question.assignment.course)
    locked = has_submitted_work(question.assignment)
    before = {name: getattr(question, name) for name in GRADING_FIELDS}
    if prompt is not None:
        question.prompt = prompt
    if points is not None:
        question.points = Decimal(points)
    set_fields(question, fields, QUESTION_FIELDS)
    old_choices = {choice.pk: choice for choice in question.choices.all()}
    old_criteria = {
        criterion.pk: criterion for criterion in question.criteria.prefetch_related("levels")
    }
    if choices is not None:
        _check_choices(question, choices)
        _check_known_ids(choices, old_choices, "choice")
    if criteria is not None:
        _check_rubric(question, criteria)
        _check_known_ids(criteria, old_criteria, "rubric criterion")
        for spec in criteria:
            if spec.get("id"):
                levels = {level.pk: level for level in old_criteria[spec["id"] or 0].levels.all()}
                _check_known_ids(spec["levels"], levels, "rubric level")
    elif question.criteria.exists():
        # The question's points may have changed under its existing rubric.
        _check_rubric(question, _rubric_specs(old_criteria.values()))
    if locked:
        _check_grading_unchanged(question, before, choices, old_choices, criteria, old_criteria)
    skills = None if skills is None else list(skills)
    if skills is not None and any(s.course_id != question.assignment.course_id for s in skills):
        raise ValidationError("A question can only be tagged with skills of its own course.")
    question.full_clean()
    question.save()
    if choices is not None:
        _sync_choices(question, choices, old_choices)
    if criteria is not None:
        _sync_rubric(question, criteria, old_criteria)
    if skills is not None:
        question.skills.set(skills)
    return question


def _check_known_ids(
    specs: Sequence[ChoiceSpec] | Sequence[CriterionSpec] | Sequence[LevelSpec],
    existing: dict[int, Any],
    what: str,
) -> None:
    # Ids come from hidden inputs: one from another question must not be edited through this one.
    if any(spec.get("id") and spec.get("id") not in existing for spec in specs):
        raise ValidationError(f"A {what} of another question cannot be edited here.")


def _rubric_specs(criteria: Iterable[Criterion]) -> list[CriterionSpec]:
    return [
        {
            "id": criterion.pk,
            "title": criterion.title,
            "levels": [
                {"id": level.pk, "title": level.title, "points": level.points}
                for level in criterion.levels.all()
            ],
        }
        for criterion in criteria
    ]


def _check_grading_unchanged(
    question: Question,
    before: dict[str, Any],
    choices: Sequence[ChoiceSpec] | None,
    old_choices: dict[int, Choice],
    criteria: Sequence[CriterionSpec] | None,
    old_criteria: dict[int, Criterion],
) -> None:
    errors: dict[str, str] = {
        name: LOCKED_GRADING for name in GRADING_FIELDS if getattr(question, name) != before[name]
    }
    if choices is not None and (
        {spec.get("id") for spec in choices} != set(old_choices)
        or any(
            spec.get("is_correct", False) != old_choices[spec["id"] or 0].is_correct
            for spec in choices
        )
    ):
        errors["choices"] = (
            "Students have submitted this assignment: choices can be reworded, not added, "
            "removed or marked correct differently."
        )
    if criteria is not None and _rubric_shape(criteria) != _rubric_shape(
        _rubric_specs(old_criteria.values())
    ):
        errors["criteria"] = (
            "Students have submitted this assignment: the rubric can be reworded, but its "
            "criteria, levels and points can no longer change."
        )
    if errors:
        raise ValidationError(errors)


def _rubric_shape(criteria: Sequence[CriterionSpec]) -> set[tuple[int | None, frozenset[Any]]]:
    """Which criteria and levels there are, with the levels' points: what grading depends on."""
    return {
        (
            criterion.get("id"),
            frozenset((level.get("id"), Decimal(level["points"])) for level in criterion["levels"]),
        )
        for criterion in criteria
    }


def _sync_choices(
    question: Question, choices: Sequence[ChoiceSpec], old: dict[int, Choice]
) -> None:
    """Write the choices in this order: those with an `id` in `old` updated, the others created,
    the rest of `old` deleted (a new question passes no `old`)."""
    kept = []
    for position, spec in enumerate(choices):
        choice = old.get(spec.get("id") or 0) or Choice(question=question)
        choice.position = position
        choice.text = spec["text"]
        choice.is_correct = spec.get("is_correct", False)
        choice.save()
        kept.append(choice.pk)
    if old:
        question.choices.exclude(pk__in=kept).delete()


def _sync_rubric(
    question: Question, criteria: Sequence[CriterionSpec], old: dict[int, Criterion]
) -> None:
    """The same for the rubric's criteria, and for each criterion's levels."""
    kept = []
    for position, spec in enumerate(criteria):
        existing = old.get(spec.get("id") or 0)
        criterion = existing or Criterion(question=question)
        criterion.position = position
        criterion.title = spec["title"]
        criterion.description = spec.get("description", "")
        criterion.save()
        kept.append(criterion.pk)
        old_levels = {level.pk: level for level in criterion.levels.all()} if existing else {}
        kept_levels = []
        for index, level_spec in enumerate(spec["levels"]):
            level = old_levels.get(level_spec.get("id") or 0) or Level(criterion=criterion)
            level.position = index
            level.points = Decimal(level_spec["points"])
            level.title = level_spec["title"]
            level.description = level_spec.get("description", "")
            level.save()
            kept_levels.append(level.pk)
        if old_levels:
            criterion.levels.exclude(pk__in=kept_levels).delete()
    if old:
        question.criteria.exclude(pk__in=kept).delete()


@transaction.atomic
def question_delete(*, actor: User, question: Question) -> None:
    """Remove a question with its choices and rubric; refused once students have submitted."""
    assignment = question.assignment
    require_course_manager(actor=actor, course=assignment.course)
    if has_submitted_work(assignment):
        raise ValidationError(LOCKED_QUESTIONS)
    question.delete()
    remaining = [q.pk for q in assignment.questions.order_by("position", "id")]
    _set_positions(remaining)


@transaction.atomic
def question_reorder(*, actor: User, assignment: Assignment, question_ids: Sequence[int]) -> None:
    """Put the assignment's questions in this order (every question once); answers follow them."""
    require_course_manager(actor=actor, course=assignment.course)
    current = set(assignment.questions.values_list("pk", flat=True))
    if len(question_ids) != len(current) or set(question_ids) != current:
        raise ValidationError("The new order must list each question of the assignment once.")
    _set_positions(question_ids)


def _set_positions(question_ids: Sequence[int]) -> None:
    questions = Question.objects.in_bulk(question_ids)
    for position, pk in enumerate(question_ids):
        questions[pk].position = position
    Question.objects.bulk_update(questions.values(), ["position"])


@transaction.atomic
def extension_revoke(*, actor: User, extension: Extension) -> None:
    """Take a student's extension away: the assignment's own times and attempts apply again."""
    require_course_manager(actor=actor, course=extension.assignment.course)
    extension.delete()
