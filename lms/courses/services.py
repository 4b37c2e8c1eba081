"""Writes for courses, enrolments and skills. Every change of these rows goes through here.

Bad input or a refused action raises `ValidationError` with a message for the person; a role that
may not act raises `PermissionDenied`. Either way nothing is written.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone

from lms.accounts.models import User
from lms.courses.models import Course, Enrollment, Skill, new_join_code
from lms.courses.selectors import can_manage_course

# The fields of `LatePolicyFields`: a course holds the defaults, each assignment its own copy.
LATE_POLICY_FIELDS = (
    "late_submissions_accepted",
    "late_deduction_percent",
    "late_interval",
    "late_minimum_percent",
    "missing_deduction_enabled",
    "missing_deduction_percent",
)
# What a teacher may set on a course; the join code has its own service.
COURSE_FIELDS = frozenset(
    {
        "code",
        "title",
        "description",
        "term",
        "joining_enabled",
        "ai_feedback",
        "is_archived",
        *LATE_POLICY_FIELDS,
    }
)


def require_course_manager(*, actor: User, course: Course) -> None:
    """Raise `PermissionDenied` unless the actor is a teacher of the course or site staff."""
    if not can_manage_course(user=actor, course=course):
        raise PermissionDenied("Only the course's teachers can change this course.")


def set_fields(instance: Model, fields: dict[str, Any], allowed: frozenset[str]) -> None:
    """Assign keyword fields to a model instance, refusing any name outside `allowed`."""
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(f"These settings cannot be set here: {', '.join(sorted(unknown))}.")
    for name, value in fields.items():
        setattr(instance, name, value)


@transaction.atomic
def course_create(*, teacher: User, code: str, title: str, **fields: Any) -> Course:
    """Create a course with the creator enrolled as its teacher.

    `fields` takes any of `COURSE_FIELDS` (description, term, late policy defaults, ...).
    """
    course = Course(code=code.strip(), title=title.strip())
    set_fields(course, fields, COURSE_FIELDS - {"code", "title"})
    course.full_clean()
    course.save()
    Enrollment.objects.create(user=teacher, course=course, role=Enrollment.Role.TEACHER)
    return course


@transaction.atomic
def course_update(*, actor: User, course: Course, **fields: Any) -> Course:
    """Change the course's settings. Its assignments keep their own copy of the late policy."""
    require_course_manager(actor=actor, course=course)
    set_fields(course, fields, COURSE_FIELDS)
    course.full_clean()
    course.save()
    return course


@transaction.atomic
def course_rotate_join_code(*, actor: User, course: Course) -> Course:
    """Give the course a new join code; the old one stops working at once."""
    require_course_manager(actor=actor, course=course)
    code = new_join_code()
    while Course.objects.filter(join_code=code).exists():
        code = new_join_code()
    course.join_code = code
    course.join_code_rotated_at = timezone.now()
    course.save(update_fields=["join_code", "join_code_rotated_at", "updated_at"])
    return course


def normalise_join_code(code: str) -> str:
    """Codes are read off a projector: ignore case, spaces and dashes."""
    return "".join(ch for ch in code.upper() if ch not in " -\t")


@transaction.atomic
def course_join(*, user: User, code: str) -> Enrollment:
    """Enrol the user as a student of the course whose current join code this is."""
    normalised = normalise_join_code(code)
    course = Course.objects.filter(join_code=normalised).first() if normalised else None
    if course is None:
        raise ValidationError(
            "No course has this join code. Check it with your teacher: codes can be changed."
        )
    if course.is_archived:
        raise ValidationError(f"{course} is archived and takes no new students.")
    if not course.joining_enabled:
        raise ValidationError(f"{course} is not accepting new students at the moment.")
    existing = Enrollment.objects.filter(user=user, course=course).first()
    if existing is not None:
        if existing.is_active:
            raise ValidationError(f"You are already enrolled in {course}.")
        raise ValidationError(
            f"Your enrolment in {course} was ended; ask its teacher to restore it."
        )
    return _enrollment_insert(user=user, course=course, role=Enrollment.Role.STUDENT)


def _enrollment_insert(*, user: User, course: Course, role: str) -> Enrollment:
    # Two requests at once (a double click) can both pass the check above; the unique constraint
    # decides, and the savepoint keeps the outer transaction usable for the error.
    try:
        with transaction.atomic():
            return Enrollment.objects.create(user=user, course=course, role=role)
    except IntegrityError as error:
        raise ValidationError(f"{user} is already enrolled in {course}.") from error


def _check_role(role: str) -> None:
    if role not in Enrollment.Role.values:
        raise ValidationError(f"{role!r} is not a course role.")


@transaction.atomic
def enrollment_create(*, actor: User, course: Course, user: User, role: str) -> Enrollment:
    """Add a user to the course roster with a role (teachers only)."""
    require_course_manager(actor=actor, course=course)
    _check_role(role)
    if Enrollment.objects.filter(user=user, course=course).exists():
        raise ValidationError(f"{user} is already enrolled in {course}.")
    return _enrollment_insert(user=user, course=course, role=role)


def _lock_enrollment(enrollment: Enrollment) -> Enrollment:
    return Enrollment.objects.select_for_update().select_related("course").get(pk=enrollment.pk)


def _ensure_another_teacher(enrollment: Enrollment) -> None:
    # A course without an active teacher could only be fixed from the admin site.
    others = Enrollment.objects.filter(
        course_id=enrollment.course_id, role=Enrollment.Role.TEACHER, is_active=True
    ).exclude(pk=enrollment.pk)
    if enrollment.role == Enrollment.Role.TEACHER and enrollment.is_active and not others.exists():
        raise ValidationError("A course needs at least one active teacher.")


@transaction.atomic
def enrollment_set_role(*, actor: User, enrollment: Enrollment, role: str) -> Enrollment:
    """Change an enrolment's role (teachers only); the last teacher cannot step down."""
    enrollment = _lock_enrollment(enrollment)
    require_course_manager(actor=actor, course=enrollment.course)
    _check_role(role)
    if role != Enrollment.Role.TEACHER:
        _ensure_another_teacher(enrollment)
    enrollment.role = role
    enrollment.save(update_fields=["role"])
    return enrollment


@transaction.atomic
def enrollment_deactivate(*, actor: User, enrollment: Enrollment) -> Enrollment:
    """End an enrolment but keep its history (submissions, grades)."""
    enrollment = _lock_enrollment(enrollment)
    require_course_manager(actor=actor, course=enrollment.course)
    _ensure_another_teacher(enrollment)
    enrollment.is_active = False
    enrollment.save(update_fields=["is_active"])
    return enrollment


@transaction.atomic
def skill_create(*, actor: User, course: Course, name: str, description: str = "") -> Skill:
    """Add a skill to the course (teachers only); names are unique within a course."""
    require_course_manager(actor=actor, course=course)
    name = name.strip()
    if Skill.objects.filter(course=course, name__iexact=name).exists():
        raise ValidationError(f"{course.code} already has a skill named {name!r}.")
    skill = Skill(course=course, name=name, description=description)
    skill.full_clean()
    skill.save()
    return skill
