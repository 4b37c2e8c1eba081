"""Account forms: sign-up, log-in by e-mail, profile, and the admin's user forms.

Forms check the shape of what was typed; the services in `lms.accounts.services` decide.
"""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING, Any

from django import forms
from django.conf import settings
from django.contrib.auth.forms import (
    AuthenticationForm,
    BaseUserCreationForm,
    SetPasswordMixin,
    SetUnusablePasswordMixin,
    UserChangeForm,
)
from django.core.exceptions import ValidationError

from lms.accounts.models import User
from lms.accounts.services import user_email_check_free

TIME_ZONE_CHOICES = [
    (name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())
]


if TYPE_CHECKING:
    # Generic in Django's stubs only; at run time they take no type parameter.
    _SetPasswordMixin = SetPasswordMixin[User]
    _SetUnusablePasswordMixin = SetUnusablePasswordMixin[User]
else:
    _SetPasswordMixin = SetPasswordMixin
    _SetUnusablePasswordMixin = SetUnusablePasswordMixin


def _email_free(email: str, *, exclude_id: int | None) -> str:
    try:
        return user_email_check_free(email=email, exclude_id=exclude_id)
    except ValidationError as exc:
        # The service names the field; a field's own clean method must raise a plain error.
        raise ValidationError(exc.messages, code="duplicate_email") from exc


def _email_widget() -> forms.EmailInput:
    return forms.EmailInput(attrs={"autocomplete": "email", "autocapitalize": "none"})


class SignUpForm(_SetPasswordMixin, forms.Form):
    email = forms.EmailField(label="E-mail address", widget=_email_widget())
    display_name = forms.CharField(
        label="Your name",
        max_length=150,
        help_text="As your teachers and classmates will see it.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    password1, password2 = SetPasswordMixin.create_password_fields()

    def clean_email(self) -> str:
        # Checked here as well as in `user_sign_up`, so that a taken address is reported together
        # with any password problem instead of only after those are fixed.
        return _email_free(self.cleaned_data["email"], exclude_id=None)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self.validate_passwords()
        # The similarity validator compares the password with the e-mail and the name.
        candidate = User(
            email=cleaned.get("email", ""), display_name=cleaned.get("display_name", "")
        )
        self.validate_password_for_user(candidate)
        return cleaned


class EmailAuthenticationForm(AuthenticationForm):
    """Django's log-in form with an e-mail input; the lookup ignores case (see `UserManager`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].widget = _email_widget()
        self.fields["username"].widget.attrs["autofocus"] = True
        self.fields["username"].label = "E-mail address"


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label="Your name", max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    locale = forms.ChoiceField(label="Language", choices=settings.LANGUAGES)
    time_zone = forms.ChoiceField(
        label="Time zone",
        choices=TIME_ZONE_CHOICES,
        help_text="Due times and other times are shown in this zone.",
    )


class _AdminEmailMixin:
    """Refuse an e-mail that another account holds in any case, with a readable message instead
    of the database constraint's name."""

    instance: User

    def clean_email(self) -> str:
        email: str = self.cleaned_data["email"]  # type: ignore[attr-defined]
        return _email_free(email, exclude_id=self.instance.pk)


class UserAdminCreationForm(
    _AdminEmailMixin, _SetUnusablePasswordMixin, BaseUserCreationForm[User]
):
    usable_password = SetUnusablePasswordMixin.create_usable_password_field()

    class Meta:
        model = User
        fields = ("email", "display_name")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Password-based log-in may be disabled, and then the two password fields stay empty.
        self.fields["password1"].required = False
        self.fields["password2"].required = False


class UserAdminChangeForm(_AdminEmailMixin, UserChangeForm[User]):
    time_zone = forms.ChoiceField(label="Time zone", choices=TIME_ZONE_CHOICES)

    class Meta:
        model = User
        fields = (
            "email",
            "password",
            "display_name",
            "locale",
            "time_zone",
            "is_active",
            "is_staff",
            "is_superuser",
            "groups",
            "user_permissions",
            "date_joined",
        )
