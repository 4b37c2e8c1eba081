"""Course pages: join by code, and the course page for its members only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.models import User
from lms.assignments.models import Submission
from lms.courses.models import Course, Enrollment
from lms.courses.services import course_rotate_join_code
from tests.factories import AssignmentFactory, CategoryFactory, SubmissionFactory
from tests.lms.dbstate import db_state

JOIN_URL = reverse("courses:join")


def _detail_url(course: Course) -> str:
    return reverse("courses:detail", args=[course.pk])


def test_join_with_a_good_code(client: Client, course: Course, outsider: User) -> None:
    client.force_login(outsider)
    typed = f" {course.join_code[:4].lower()}-{course.join_code[4:]} "
    response = client.post(JOIN_URL, {"code": typed})
    assert response["Location"] == _detail_url(course)
    enrollment = Enrollment.objects.get(user=outsider, course=course)
    assert (enrollment.role, enrollment.is_active) == (Enrollment.Role.STUDENT, True)
    assert client.get(_detail_url(course)).status_code == 200


def _refused_join(client: Client, user: User, code: str) -> str:
    """Post a code that must be refused; check that nothing changed and the code is kept."""
    client.force_login(user)
    before = db_state()
    response = client.post(JOIN_URL, {"code": code})
    assert response.status_code == 200
    assert db_state() == before
    assert f'value="{code}"' in response.content.decode()
    # On the code field, so that the input is marked invalid and described by the message.
    assert 'aria-invalid="true"' in response.content.decode()
    return " ".join(response.context["form"].errors["code"])


def test_join_with_a_wrong_code(client: Client, course: Course, outsider: User) -> None:
    assert "No course has this join code" in _refused_join(client, outsider, "NOPE2345")


def test_join_with_a_rotated_code(
    client: Client, course: Course, teacher: User, outsider: User
) -> None:
    old = course.join_code
    course_rotate_join_code(actor=teacher, course=course)
    assert "No course has this join code" in _refused_join(client, outsider, old)


def test_second_join_is_refused(client: Client, course: Course, student: User) -> None:
    assert "already enrolled" in _refused_join(client, student, course.join_code)


def test_join_with_nothing_typed(client: Client, outsider: User) -> None:
    client.force_login(outsider)
    response = client.post(JOIN_URL, {"code": ""})
    assert response.status_code == 200
    assert response.context["form"].errors["code"]


@pytest.fixture
def assignments(course: Course) -> tuple[object, object]:
    published = AssignmentFactory(course=course, title="Cells quiz", is_published=True)
    hidden = AssignmentFactory(course=course, title="Draft exam", is_published=False)
    return published, hidden


def test_teacher_sees_every_assignment_with_unpublished_labelled(
    client: Client, course: Course, teacher: User, assignments: tuple[object, object]
) -> None:
    client.force_login(teacher)
    html = client.get(_detail_url(course)).content.decode()
    assert "Cells quiz" in html
    assert "Draft exam" in html
    assert "Unpublished" in html
    assert course.join_code in html


def test_student_sees_published_assignments_only(
    client: Client, course: Course, student: User, assignments: tuple[object, object]
) -> None:
    client.force_login(student)
    html = client.get(_detail_url(course)).content.decode()
    assert "Cells quiz" in html
    assert "Draft exam" not in html
    assert course.join_code not in html


def test_outsider_and_ended_enrolment_get_404(
    client: Client, course: Course, student: User, outsider: User
) -> None:
    client.force_login(outsider)
    assert client.get(_detail_url(course)).status_code == 404
    assert client.get(reverse("courses:detail", args=[course.pk + 1000])).status_code == 404
    Enrollment.objects.filter(user=student).update(is_active=False)
    client.force_login(student)
    assert client.get(_detail_url(course)).status_code == 404


def test_anonymous_is_sent_to_log_in(client: Client, course: Course) -> None:
    response = client.get(_detail_url(course))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_due_times_are_shown_in_the_users_time_zone(
    client: Client, course: Course, student: User
) -> None:
    due = dt.datetime(2026, 1, 15, 17, 0, tzinfo=dt.UTC)
    AssignmentFactory(course=course, title="Essay", due_at=due, opens_at=None)
    student.time_zone = "America/New_York"
    student.save()
    client.force_login(student)
    html = client.get(_detail_url(course)).content.decode()
    assert "Thu 15 Jan 2026, 12:00" in html  # 17:00 UTC is noon in New York in winter
    assert "America/New_York" in html


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", ["teacher", "student"])
def test_course_page_queries_do_not_grow_with_assignments(
    client: Client, course: Course, teacher: User, student: User, role: str
) -> None:
    client.force_login(teacher if role == "teacher" else student)
    category = CategoryFactory(course=course)
    AssignmentFactory.create_batch(2, course=course, category=category)
    few = _queries(client, _detail_url(course))
    AssignmentFactory.create_batch(20, course=course, category=category)
    AssignmentFactory.create_batch(5, course=course, is_published=False)
    assert _queries(client, _detail_url(course)) == few


def test_a_student_sees_the_status_of_each_assignment(
    client: Client, course: Course, student: User
) -> None:
    fresh = AssignmentFactory(course=course, title="Fresh")
    handed_in = AssignmentFactory(course=course, title="Handed in")
    started = AssignmentFactory(course=course, title="Started")
    SubmissionFactory(assignment=handed_in, student=student)
    SubmissionFactory(
        assignment=started, student=student, status=Submission.Status.DRAFT, submitted_at=None
    )
    SubmissionFactory(assignment=fresh)  # another student's work

    client.force_login(student)
    html = client.get(_detail_url(course)).content.decode()

    def status_of(title: str) -> str:
        row = html.split(f">{title}</a>")[1].split("</tr>")[0]
        return row.split('class="badge status-')[1].split('"')[0]

    assert status_of("Fresh") == "not_started"
    assert status_of("Handed in") == "submitted"
    assert status_of("Started") == "draft"
