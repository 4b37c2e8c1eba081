"""Teachers' course pages: create, settings, join code, roster, add a person, CSV import."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.models import User
from lms.courses.models import Course, Enrollment
from tests.factories import EnrollmentFactory, UserFactory
from tests.lms.dbstate import db_state


def _url(name: str, course: Course, *args: int) -> str:
    return reverse(f"courses:{name}", args=[course.pk, *args])


@pytest.mark.parametrize("name", ["edit", "join_code", "roster"])
def test_only_the_courses_teachers_get_in(
    client: Client, course: Course, teacher: User, student: User, name: str
) -> None:
    other_teacher = UserFactory()
    EnrollmentFactory(user=other_teacher, role=Enrollment.Role.TEACHER)
    assert client.get(_url(name, course)).status_code == 302  # anonymous: to the log-in
    for user in (student, other_teacher):
        client.force_login(user)
        assert client.get(_url(name, course)).status_code == 404
    client.force_login(teacher)
    assert client.get(_url(name, course)).status_code == 200


def test_course_create_needs_the_add_course_permission(client: Client, teacher: User) -> None:
    client.force_login(teacher)
    data = {"code": "CHEM-1", "title": "Chemistry", "term": "2027", "ai_feedback": "immediate"}
    data |= {"late_deduction_percent": "10", "late_interval": "day"}
    data |= {"late_minimum_percent": "0", "missing_deduction_percent": "100"}
    assert client.post(reverse("courses:new"), data).status_code == 403
    teacher.user_permissions.add(Permission.objects.get(codename="add_course"))
    teacher = User.objects.get(pk=teacher.pk)  # permission cache
    client.force_login(teacher)
    response = client.post(reverse("courses:new"), data)
    created = Course.objects.get(code="CHEM-1")
    assert response["Location"] == reverse("courses:detail", args=[created.pk])
    assert Enrollment.objects.get(course=created).user == teacher
    # The same code and term again: refused on the page, the input kept, nothing written.
    before = db_state()
    response = client.post(reverse("courses:new"), data | {"title": "Second try"})
    assert response.status_code == 200
    assert db_state() == before
    assert response.context["form"].errors
    assert 'value="Second try"' in response.content.decode()


def test_course_edit_bad_input_is_inline_and_kept(
    client: Client, course: Course, teacher: User
) -> None:
    client.force_login(teacher)
    data = {"code": "BIO-101", "title": "Biology II", "ai_feedback": "after_release"}
    data |= {"late_deduction_percent": "150", "late_interval": "day"}
    data |= {"late_minimum_percent": "0", "missing_deduction_percent": "100"}
    before = db_state()
    response = client.post(_url("edit", course), data)
    assert response.status_code == 200
    assert db_state() == before
    assert "late_deduction_percent" in response.context["form"].errors
    assert 'value="Biology II"' in response.content.decode()
    response = client.post(_url("edit", course), data | {"late_deduction_percent": "5"})
    course.refresh_from_db()
    assert (course.title, course.ai_feedback) == ("Biology II", "after_release")
    assert str(course.late_deduction_percent) == "5.00"


def test_join_code_rotation_needs_the_confirmation(
    client: Client, course: Course, teacher: User
) -> None:
    client.force_login(teacher)
    old = course.join_code
    response = client.post(_url("join_code", course), {})
    assert response.context["form"].errors["confirm"]
    course.refresh_from_db()
    assert course.join_code == old
    client.post(_url("join_code", course), {"confirm": "on"})
    course.refresh_from_db()
    assert course.join_code != old


def test_roster_role_change_and_end(
    client: Client, course: Course, teacher: User, student: User
) -> None:
    client.force_login(teacher)
    enrollment = Enrollment.objects.get(user=student, course=course)
    client.post(_url("enrollment_role", course, enrollment.pk), {"role": "ta"})
    enrollment.refresh_from_db()
    assert enrollment.role == "ta"
    response = client.post(_url("enrollment_role", course, enrollment.pk), {"role": "boss"})
    assert response.context["row_errors"] == {enrollment.pk: "Choose a role from the list."}
    # The last teacher cannot step down: the message sits on the row.
    own = Enrollment.objects.get(user=teacher, course=course)
    response = client.post(_url("enrollment_role", course, own.pk), {"role": "student"})
    assert "at least one active teacher" in response.context["row_errors"][own.pk]
    client.post(_url("enrollment_end", course, enrollment.pk))
    enrollment.refresh_from_db()
    assert not enrollment.is_active


def test_add_one_person_by_email(client: Client, course: Course, teacher: User) -> None:
    client.force_login(teacher)
    response = client.post(_url("roster_add", course), {"email": "not-an-email", "role": "student"})
    assert response.context["add_form"].errors["email"]
    assert 'value="not-an-email"' in response.content.decode()
    client.post(_url("roster_add", course), {"email": "New@School.example", "role": "ta"})
    added = Enrollment.objects.get(course=course, user__email="new@school.example")
    assert added.role == "ta"
    assert not added.user.has_usable_password()
    response = client.post(
        _url("roster_add", course), {"email": "new@school.example", "role": "ta"}
    )
    assert "already enrolled" in str(response.context["add_form"].errors["email"])


def _import(client: Client, course: Course, content: bytes) -> object:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("roster.csv", content, content_type="text/csv")
    return client.post(_url("roster_import", course), {"file": upload})


def test_roster_import_good_file(
    client: Client, course: Course, teacher: User, student: User
) -> None:
    client.force_login(teacher)
    content = (
        "email,display_name\nana@school.example,Ana Núñez\n"
        f"{student.email},Someone Else\n\nben@school.example,Ben\n"
    ).encode()
    response = _import(client, course, content)
    assert response.status_code == 302
    ana = User.objects.get(email="ana@school.example")
    assert ana.display_name == "Ana Núñez"
    assert not ana.has_usable_password()
    assert Enrollment.objects.filter(course=course, role="student", is_active=True).count() == 3
    assert User.objects.get(pk=student.pk).display_name == "Sam Student"  # left alone


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"mail,name\na@school.example,A\n", "Line 1: the columns must be"),
        ("email,display_name\nzoë@school.example,Zoë\n".encode("latin-1"), "not UTF-8"),
        (b"", "The submitted file is empty"),
        (b"\n \n", "The file is empty"),
        (b"email,display_name\nok@school.example,Ok\nnope,No\n", "Line 3:"),
        (b"email,display_name\nok@school.example,Ok\nok@school.example,Ok\n", "Line 3:"),
    ],
)
def test_roster_import_bad_file_imports_nothing(
    client: Client, course: Course, teacher: User, content: bytes, message: str
) -> None:
    client.force_login(teacher)
    before = db_state()
    users = User.objects.count()
    response = _import(client, course, content)
    assert response.status_code == 200
    assert db_state() == before
    assert User.objects.count() == users
    assert message in str(response.context["import_form"].errors)


def test_roster_query_count_does_not_grow(
    client: Client, course: Course, teacher: User, django_assert_num_queries: Any
) -> None:
    client.force_login(teacher)
    EnrollmentFactory(course=course)
    with CaptureQueriesContext(connection) as small:
        assert client.get(_url("roster", course)).status_code == 200
    EnrollmentFactory.create_batch(15, course=course)
    EnrollmentFactory(course=course, role=Enrollment.Role.TA, is_active=False)
    with django_assert_num_queries(len(small)):
        response = client.get(_url("roster", course))
    assert len(response.context["enrollments"]) == 18
