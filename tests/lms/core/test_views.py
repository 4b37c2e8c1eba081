"""The home page: my courses with my role."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.models import User
from lms.courses.models import Course, Enrollment
from tests.factories import CourseFactory, EnrollmentFactory


def test_home_lists_my_courses_with_my_role(
    client: Client, course: Course, student: User, outsider: User
) -> None:
    other = CourseFactory(code="CHEM-2", title="Chemistry")
    EnrollmentFactory(user=student, course=other, role=Enrollment.Role.TA)
    client.force_login(student)
    html = client.get(reverse("core:home")).content.decode()
    assert "BIO-101 Biology" in html
    assert "You are student" in html
    assert "CHEM-2 Chemistry" in html
    assert "You are teaching assistant" in html
    assert reverse("courses:detail", args=[other.pk]) in html
    outsiders_course = outsider.enrollments.get().course
    assert outsiders_course.title not in html


def test_home_without_courses_points_to_joining(client: Client, db: None) -> None:
    user = User.objects.create_user("new@example.com", "pass-word-long-enough")
    client.force_login(user)
    html = client.get(reverse("core:home")).content.decode()
    assert "not enrolled in any course" in html
    assert reverse("courses:join") in html


def test_home_queries_do_not_grow_with_courses(client: Client, student: User) -> None:
    client.force_login(student)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("core:home"))
    for _ in range(12):
        EnrollmentFactory(user=student)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("core:home")).content.decode()
    assert html.count("You are student") == 13
    assert len(many) == len(few)
