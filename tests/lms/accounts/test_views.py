"""Sign-up, log-in by e-mail, log-out, password reset and change, profile."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from lms.accounts.models import User
from tests.factories import DEFAULT_PASSWORD

NEW_PASSWORD = "a-new-and-long-passphrase"


def _sign_up(client: Client, **overrides: str) -> object:
    data = {
        "email": "Nora.New@Example.org",
        "display_name": "Nora New",
        "password1": "plenty-of-entropy-here",
        "password2": "plenty-of-entropy-here",
        **overrides,
    }
    return client.post(reverse("accounts:signup"), data)


def _logged_in_email(client: Client) -> str | None:
    response = client.get(reverse("accounts:profile"))
    if response.status_code != 200:
        return None
    return response.context["user"].email


@pytest.mark.django_db
def test_sign_up_creates_a_lower_cased_account_and_logs_in(client: Client) -> None:
    response = _sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("courses:join")
    user = User.objects.get()
    assert (user.email, user.display_name) == ("nora.new@example.org", "Nora New")
    assert user.check_password("plenty-of-entropy-here")
    assert _logged_in_email(client) == "nora.new@example.org"


def test_sign_up_with_an_email_taken_in_another_case_says_so_and_keeps_the_input(
    client: Client, student: User
) -> None:
    response = _sign_up(client, email="STUDENT@Example.com", display_name="Second Sam")
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [
        "An account with this e-mail address already exists. Log in, or reset your password."
    ]
    html = response.content.decode()
    assert 'value="STUDENT@Example.com"' in html
    assert 'value="Second Sam"' in html
    assert User.objects.filter(email__iexact="student@example.com").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"password2": "something-else-entirely"}, "password2"),
        ({"password1": "12345", "password2": "12345"}, "password2"),
        ({"email": "not-an-address"}, "email"),
        ({"display_name": ""}, "display_name"),
    ],
)
def test_sign_up_refuses_bad_input(client: Client, overrides: dict[str, str], field: str) -> None:
    response = _sign_up(client, **overrides)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not User.objects.exists()


@pytest.mark.parametrize("typed", ["teacher@example.com", "Teacher@EXAMPLE.com"])
def test_log_in_by_email_in_any_case(client: Client, teacher: User, typed: str) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": typed, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("core:home")
    assert _logged_in_email(client) == "teacher@example.com"


def test_log_in_with_a_wrong_password_is_refused(client: Client, teacher: User) -> None:
    response = client.post(
        reverse("accounts:login"), {"username": teacher.email, "password": "wrong"}
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert _logged_in_email(client) is None


def test_log_out_takes_a_post_only(client: Client, student: User) -> None:
    client.force_login(student)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert _logged_in_email(client) == student.email
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert _logged_in_email(client) is None


def test_password_reset_mails_a_link_that_sets_a_new_password(
    client: Client, student: User
) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "STUDENT@example.com"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [student.email]
    link = re.search(r"https?://[^/\s]+(/\S+/)", mail.outbox[0].body)
    assert link is not None
    # Django swaps the token for a session entry and redirects to .../set-password/.
    form_page = client.get(link.group(1), follow=True)
    assert form_page.context["validlink"] is True
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done["Location"] == reverse("accounts:password_reset_complete")
    student.refresh_from_db()
    assert student.check_password(NEW_PASSWORD)
    assert client.get(link.group(1), follow=True).context["validlink"] is False


def test_password_reset_for_an_unknown_address_sends_nothing_and_says_the_same(
    client: Client, db: None
) -> None:
    response = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert mail.outbox == []


def test_password_change(client: Client, student: User) -> None:
    client.force_login(student)
    data = {
        "old_password": DEFAULT_PASSWORD,
        "new_password1": NEW_PASSWORD,
        "new_password2": NEW_PASSWORD,
    }
    response = client.post(reverse("accounts:password_change"), data)
    assert response["Location"] == reverse("accounts:password_change_done")
    student.refresh_from_db()
    assert student.check_password(NEW_PASSWORD)
    assert _logged_in_email(client) == student.email  # the session survives the change


def test_profile_update(client: Client, student: User) -> None:
    client.force_login(student)
    page = client.get(reverse("accounts:profile"))
    assert '<option value="UTC" selected>' in page.content.decode()
    data = {"display_name": "Samantha", "locale": "es", "time_zone": "America/Bogota"}
    response = client.post(reverse("accounts:profile"), data)
    assert response["Location"] == reverse("accounts:profile")
    student.refresh_from_db()
    assert (student.display_name, student.locale, student.time_zone) == (
        "Samantha",
        "es",
        "America/Bogota",
    )


def test_profile_refuses_an_unknown_time_zone_and_keeps_the_name(
    client: Client, student: User
) -> None:
    client.force_login(student)
    data = {"display_name": "Samantha", "locale": "en", "time_zone": "Mars/Olympus_Mons"}
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 200
    assert "time_zone" in response.context["form"].errors
    assert 'value="Samantha"' in response.content.decode()
    student.refresh_from_db()
    assert (student.display_name, student.time_zone) == ("Sam Student", "UTC")


def test_pages_need_a_log_in(client: Client, db: None) -> None:
    for name in ("accounts:profile", "accounts:password_change", "core:home", "courses:join"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_public_pages_answer(client: Client, db: None) -> None:
    for name in ("accounts:login", "accounts:signup", "accounts:password_reset"):
        assert client.get(reverse(name)).status_code == 200


def test_sign_up_reports_a_taken_email_and_a_password_mismatch_together(
    client: Client, student: User
) -> None:
    response = _sign_up(client, email="student@example.com", password2="does-not-match-at-all")
    errors = response.context["form"].errors
    assert set(errors) == {"email", "password2"}
