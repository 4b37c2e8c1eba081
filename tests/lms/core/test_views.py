"""The home page: my courses with my role."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lms.accounts.models import User
from lms.courses.models import Course, Enrollment
from tests.factories import (
    AssignmentFactory,
    CourseFactory,
    EnrollmentFactory,
    SubmissionFactory,
)


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


def test_the_dashboard_shows_work_due_soon_and_the_latest_submissions(
    client: Client, course: Course, student: User
) -> None:
    now = timezone.now()
    soon = AssignmentFactory(course=course, title="Due tomorrow", due_at=now + timedelta(days=1))
    AssignmentFactory(course=course, title="Due next month", due_at=now + timedelta(days=30))
    AssignmentFactory(
        course=course, title="Hidden", due_at=now + timedelta(days=1), is_published=False
    )
    done = AssignmentFactory(course=course, title="Handed in", due_at=now + timedelta(days=2))
    submission = SubmissionFactory(assignment=done, student=student)
    other_student = EnrollmentFactory(course=course).user
    SubmissionFactory(assignment=soon, student=other_student)  # someone else's work changes nothing

    client.force_login(student)
    html = client.get(reverse("core:home")).content.decode()

    due_section = html.split('id="due-heading"')[1].split('id="latest-heading"')[0]
    assert "Due tomorrow" in due_section
    assert reverse("assignments:detail", args=[soon.pk]) in due_section
    assert "Due next month" not in due_section  # beyond 7 days
    assert "Hidden" not in html  # unpublished
    assert "Handed in" not in due_section  # already submitted
    latest = html.split('id="latest-heading"')[1]
    assert reverse("assignments:submission", args=[submission.pk]) in latest
    assert "Submitted" in latest


def test_a_teacher_sees_no_student_sections(client: Client, course: Course, teacher: User) -> None:
    client.force_login(teacher)
    html = client.get(reverse("core:home")).content.decode()
    assert 'id="due-heading"' not in html
    assert "You are teacher" in html
    assert reverse("courses:new") not in html  # opening courses is a permission an admin gives
    teacher.user_permissions.add(Permission.objects.get(codename="add_course"))
    html = client.get(reverse("core:home")).content.decode()
    assert reverse("courses:new") in html


def test_dashboard_queries_do_not_grow_with_assignments_and_submissions(
    client: Client, course: Course, student: User
) -> None:
    client.force_login(student)
    now = timezone.now()

    def add(n: int) -> None:
        for _ in range(n):
            AssignmentFactory(course=course, due_at=now + timedelta(days=2))
            SubmissionFactory(assignment=AssignmentFactory(course=course), student=student)

    add(1)
    client.get(reverse("core:home"))  # warm the session
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("core:home"))
    add(8)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("core:home"))
    assert len(many) == len(few)
