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
    "question_create",
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
    for position, spec in enumerate(choices):
        Choice.objects.create(
            question=question,
            position=position,
            text=spec["text"],
            is_correct=spec.get("is_correct", False),
        )
    _create_rubric(question, criteria)
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


def _create_rubric(question: Question, criteria: Sequence[CriterionSpec]) -> None:
    for position, spec in enumerate(criteria):
        criterion = Criterion.objects.create(
            question=question,
            position=position,
            title=spec["title"],
            description=spec.get("description", ""),
        )
        Level.objects.bulk_create(
            Level(
                criterion=criterion,
                position=index,
                points=Decimal(level["points"]),
                title=level["title"],
                description=level.get("description", ""),
            )
            for index, level in enumerate(spec["levels"])
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
