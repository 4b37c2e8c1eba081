"""The teacher's side of a course: who may open one, the roster, adding people and CSV import.

Writes follow `lms.courses.services` (keyword-only, `actor=` checked first, `ValidationError`
with a message for the person, nothing written on refusal) and build on its services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import QuerySet

from lms.accounts.models import User
from lms.courses.csv_input import header_key, raise_line_errors, read_csv
from lms.courses.models import Course, Enrollment
from lms.courses.services import (
    course_create,
    enrollment_create,
    require_course_manager,
)

ROSTER_COLUMNS = {"email": "email", "displayname": "display_name"}
DISPLAY_NAME_MAX = User._meta.get_field("display_name").max_length or 150


def can_create_course(*, user: User) -> bool:
    """As in the admin: whoever holds the `courses.add_course` permission (site staff given it,
    superusers, or a group such as "Teachers") opens courses; enrolment roles cannot."""
    return user.is_authenticated and user.is_active and user.has_perm("courses.add_course")


def course_open(*, actor: User, code: str, title: str, **fields: Any) -> Course:
    """Create a course from the pages, with the actor as its first teacher."""
    if not can_create_course(user=actor):
        raise PermissionDenied("You may not create courses; ask an administrator.")
    return course_create(teacher=actor, code=code, title=title, **fields)


def roster_for_course(*, course: Course) -> QuerySet[Enrollment]:
    """Every enrolment with its person: active ones first, then by role and e-mail. One query."""
    return (
        Enrollment.objects.filter(course=course)
        .select_related("user")
        .order_by("-is_active", "role", "user__email")
    )


def _clean_email(value: str) -> str:
    email = User.objects.normalize_email(value.strip()).lower()
    validate_email(email)
    return email


def _account_for(email: str, display_name: str) -> User:
    """The account with this e-mail, created with no usable password when there is none (the
    person sets one with "forgot password")."""
    user = User.objects.filter(email__iexact=email).first()
    if user is not None:
        return user
    return User.objects.create_user(email, password=None, display_name=display_name)


@transaction.atomic
def enrollment_add_by_email(
    *, actor: User, course: Course, email: str, role: str, display_name: str = ""
) -> Enrollment:
    """Enrol one person by e-mail (creating the account if needed); an ended enrolment is
    restored with the new role."""
    require_course_manager(actor=actor, course=course)
    try:
        email = _clean_email(email)
    except ValidationError as error:
        raise ValidationError({"email": "Enter a valid e-mail address."}) from error
    user = _account_for(email, display_name.strip())
    existing = Enrollment.objects.select_for_update().filter(user=user, course=course).first()
    if existing is None:
        return enrollment_create(actor=actor, course=course, user=user, role=role)
    if existing.is_active:
        raise ValidationError(
            {"email": f"{email} is already enrolled as {existing.get_role_display().lower()}."}
        )
    if role not in Enrollment.Role.values:
        raise ValidationError({"role": f"{role!r} is not a course role."})
    existing.is_active = True
    existing.role = role
    existing.save(update_fields=["is_active", "role"])
    return existing


@dataclass(frozen=True)
class RosterImport:
    accounts_created: int
    enrolled: int
    already_enrolled: int


def _roster_columns(header: list[str]) -> dict[str, int]:
    keys = [header_key(name) for name in header]
    unknown = [name for name, key in zip(header, keys, strict=True) if key not in ROSTER_COLUMNS]
    if unknown or "email" not in keys or len(set(keys)) != len(keys):
        raise ValidationError(
            f"Line 1: the columns must be “email” and “display_name”; the file has "
            f"{', '.join(repr(name) for name in header)}."
        )
    return {ROSTER_COLUMNS[key]: index for index, key in enumerate(keys)}


def _roster_rows(content: bytes) -> list[tuple[str, str]]:
    """(e-mail, display name) per row, or every problem of the file as one ValidationError."""
    table = read_csv(content)
    columns = _roster_columns(table.header)
    errors: list[str] = []
    people: dict[str, tuple[str, str]] = {}
    first_seen: dict[str, int] = {}
    for line, cells in table.rows:
        if len(cells) > len(table.header):
            errors.append(f"Line {line}: more cells than columns ({len(cells)}).")
            continue
        cells = cells + [""] * (len(table.header) - len(cells))
        raw_email = cells[columns["email"]].strip()
        name = cells[columns["display_name"]].strip() if "display_name" in columns else ""
        try:
            email = _clean_email(raw_email)
        except ValidationError:
            errors.append(f"Line {line}: “{raw_email}” is not a valid e-mail address.")
            continue
        if len(name) > DISPLAY_NAME_MAX:
            errors.append(f"Line {line}: the display name is over {DISPLAY_NAME_MAX} characters.")
        if email in first_seen:
            errors.append(f"Line {line}: {email} is already on line {first_seen[email]}.")
            continue
        first_seen[email] = line
        people[email] = (email, name)
    raise_line_errors(errors)
    return list(people.values())


@transaction.atomic
def roster_import_csv(*, actor: User, course: Course, content: bytes) -> RosterImport:
    """Enrol the students of a CSV file (email, display_name), all or nothing.

    Missing accounts are created without a usable password; a person already enrolled (in any
    role, active or not) is left as they are.
    """
    require_course_manager(actor=actor, course=course)
    people = _roster_rows(content)
    emails = [email for email, _ in people]
    existing = {user.email.lower(): user for user in User.objects.filter(email__in=emails)}
    enrolled_ids = set(
        Enrollment.objects.filter(course=course, user__email__in=emails).values_list(
            "user_id", flat=True
        )
    )
    created = 0
    new_enrollments = []
    try:
        with transaction.atomic():
            for email, name in people:
                user = existing.get(email)
                if user is None:
                    user = User.objects.create_user(email, password=None, display_name=name)
                    created += 1
                if user.pk not in enrolled_ids:
                    new_enrollments.append(
                        Enrollment(user=user, course=course, role=Enrollment.Role.STUDENT)
                    )
            Enrollment.objects.bulk_create(new_enrollments)
    except IntegrityError as error:
        # Someone joined or signed up with one of these addresses while the file was read.
        raise ValidationError(
            "Someone on the list joined or signed up meanwhile; upload the file again."
        ) from error
    return RosterImport(created, len(new_enrollments), len(people) - len(new_enrollments))
