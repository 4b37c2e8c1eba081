"""Writes on accounts: sign-up and profile. Views and the admin call these, never the ORM."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from lms.accounts.models import User, validate_time_zone

DUPLICATE_EMAIL_MESSAGE = (
    "An account with this e-mail address already exists. Log in, or reset your password."
)


def user_email_check_free(*, email: str, exclude_id: int | None = None) -> str:
    """Return the e-mail normalised (trimmed, lower-cased), or raise if another account has it in
    any case: `Ana@x.org` and `ana@x.org` are one person."""
    normalised = User.objects.normalize_email(email.strip()).lower()
    others = User.objects.filter(email__iexact=normalised)
    if exclude_id is not None:
        others = others.exclude(pk=exclude_id)
    if others.exists():
        raise ValidationError({"email": DUPLICATE_EMAIL_MESSAGE}, code="duplicate_email")
    return normalised


@transaction.atomic
def user_sign_up(*, email: str, password: str, display_name: str) -> User:
    """Create a student account; roles come later, from enrolments."""
    normalised = user_email_check_free(email=email)
    candidate = User(email=normalised, display_name=display_name.strip())
    try:
        password_validation.validate_password(password, candidate)
    except ValidationError as exc:
        raise ValidationError({"password": exc.error_list}) from exc
    try:
        # A savepoint, so that the transaction stays usable when a concurrent sign-up with the same
        # address wins the race between the check above and this insert.
        with transaction.atomic():
            return User.objects.create_user(
                email=normalised, password=password, display_name=display_name.strip()
            )
    except IntegrityError as exc:
        raise ValidationError({"email": DUPLICATE_EMAIL_MESSAGE}, code="duplicate_email") from exc


@transaction.atomic
def user_update_profile(*, user: User, display_name: str, locale: str, time_zone: str) -> User:
    """Change what the user may change about themselves: name, language and time zone."""
    errors: dict[str, str] = {}
    if locale not in dict(settings.LANGUAGES):
        errors["locale"] = f"{locale!r} is not a language Aula offers."
    try:
        validate_time_zone(time_zone)
    except ValidationError as exc:
        errors["time_zone"] = exc.messages[0]
    if errors:
        raise ValidationError(errors)
    user.display_name = display_name.strip()
    user.locale = locale
    user.time_zone = time_zone
    user.save(update_fields=["display_name", "locale", "time_zone"])
    return user
