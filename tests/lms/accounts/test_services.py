"""Account services: bad input changes nothing and says why."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from lms.accounts.models import User
from lms.accounts.services import user_sign_up, user_update_profile


def test_sign_up_refuses_an_email_taken_in_another_case(student: User) -> None:
    with pytest.raises(ValidationError) as caught:
        user_sign_up(email=" Student@EXAMPLE.com ", password="long-enough-pass", display_name="X")
    assert "already exists" in caught.value.message_dict["email"][0]
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_sign_up_refuses_a_weak_password() -> None:
    with pytest.raises(ValidationError) as caught:
        user_sign_up(email="ana@example.com", password="ana@example.com", display_name="Ana")
    assert caught.value.message_dict["password"]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_sign_up_normalises_the_email() -> None:
    user = user_sign_up(email=" Ana@Example.COM", password="long-enough-pass", display_name=" Ana ")
    assert (user.email, user.display_name) == ("ana@example.com", "Ana")


@pytest.mark.parametrize(
    ("locale", "time_zone", "field"),
    [("xx", "UTC", "locale"), ("en", "Nowhere/Atlantis", "time_zone")],
)
def test_profile_update_refuses_unknown_values(
    student: User, locale: str, time_zone: str, field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        user_update_profile(user=student, display_name="New", locale=locale, time_zone=time_zone)
    assert list(caught.value.message_dict) == [field]
    student.refresh_from_db()
    assert (student.display_name, student.locale, student.time_zone) == ("Sam Student", "en", "UTC")
