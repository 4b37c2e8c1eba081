"""Teachers' grading pages: gradebook (page, CSV export and import) and the release page."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.models import User
from lms.assignments.models import Answer, Assignment
from lms.courses.models import Course, Enrollment
from lms.grading.models import Grade, GradeState
from lms.grading.selectors import gradebook_for_course
from lms.grading.services import grade_set
from tests.factories import (
    AnswerFactory,
    AssignmentFactory,
    EnrollmentFactory,
    QuestionFactory,
    SubmissionFactory,
    UserFactory,
)
from tests.lms.dbstate import db_state


def _graded_student(
    assignment: Assignment, teacher: User, points: str, user: User | None = None
) -> Answer:
    student = user or UserFactory()
    if user is None:
        EnrollmentFactory(user=student, course=assignment.course)
    question = assignment.questions.get()
    answer = AnswerFactory(
        submission=SubmissionFactory(assignment=assignment, student=student), question=question
    )
    grade_set(actor=teacher, answer=answer, points=Decimal(points))
    return answer


@pytest.fixture
def quiz(course: Course) -> Assignment:
    assignment = AssignmentFactory(course=course, title="Cells quiz")
    QuestionFactory(assignment=assignment, points=Decimal(4))
    return assignment


def _pages(course: Course, assignment: Assignment) -> list[str]:
    return [
        f"/courses/{course.pk}/gradebook/",
        f"/courses/{course.pk}/gradebook.csv",
        f"/assignments/{assignment.pk}/release/",
    ]


def test_only_the_courses_graders_get_in(
    client: Client, course: Course, teacher: User, student: User, quiz: Assignment
) -> None:
    other_teacher = UserFactory()
    EnrollmentFactory(user=other_teacher, role=Enrollment.Role.TEACHER)
    ta = UserFactory()
    EnrollmentFactory(user=ta, course=course, role=Enrollment.Role.TA)
    for path in _pages(course, quiz):
        client.logout()
        assert client.get(path).status_code == 302
        for refused in (student, other_teacher):
            client.force_login(refused)
            assert client.get(path).status_code == 404, path
        for allowed in (teacher, ta):
            client.force_login(allowed)
            assert client.get(path).status_code == 200, path
    client.force_login(student)
    url = reverse("grading:gradebook_import", args=[course.pk])
    assert client.post(url, {"text": "email\n"}).status_code == 404
    assert (
        client.post(f"/assignments/{quiz.pk}/release/", {"release-confirm": "on"}).status_code
        == 404
    )


def test_gradebook_csv_equals_the_database(
    client: Client, course: Course, teacher: User, quiz: Assignment
) -> None:
    for points in ("1", "2.5", "4"):
        _graded_student(quiz, teacher, points)
    client.force_login(teacher)
    response = client.get(f"/courses/{course.pk}/gradebook.csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    book = gradebook_for_course(course=course)
    assert rows[0][2] == "Cells quiz (4.00 pts)"
    assert [(r[1], Decimal(r[2])) for r in rows[1:]] == [
        (row.email, row.scores[quiz.pk]) for row in book.rows
    ]
    db_points = sorted(Grade.objects.values_list("points", flat=True))
    assert sorted(Decimal(r[2]) for r in rows[1:]) == db_points


def test_gradebook_page_shows_late_penalty_and_total(
    client: Client, course: Course, teacher: User, quiz: Assignment
) -> None:
    Assignment.objects.filter(pk=quiz.pk).update(late_deduction_percent=Decimal(25))
    answer = _graded_student(quiz, teacher, "4")
    type(answer.submission).objects.filter(pk=answer.submission_id).update(minutes_late=30)
    client.force_login(teacher)
    page = client.get(f"/courses/{course.pk}/gradebook/").content.decode()
    assert "\N{MINUS SIGN}1 late" in page
    row = client.get(f"/courses/{course.pk}/gradebook/").context["table"][0]
    assert row["row"].scores[quiz.pk] == Decimal("3.00")
    assert row["row"].total_percent == Decimal("75.00")
    # The cells as written: the score after the penalty, the penalty, the total as a percent.
    assert str(row["cells"]).startswith('<td>3 <span class="badge late">\N{MINUS SIGN}1 late')
    assert "<strong>75</strong>" in page


def test_gradebook_query_count_does_not_grow(
    client: Client,
    course: Course,
    teacher: User,
    quiz: Assignment,
    django_assert_num_queries: Any,
) -> None:
    client.force_login(teacher)
    _graded_student(quiz, teacher, "1")
    with CaptureQueriesContext(connection) as small:
        client.get(f"/courses/{course.pk}/gradebook/")
    second = AssignmentFactory(course=course)
    QuestionFactory(assignment=second)
    for _ in range(8):
        _graded_student(quiz, teacher, "2")
    with django_assert_num_queries(len(small)):
        assert len(client.get(f"/courses/{course.pk}/gradebook/").context["table"]) == 9


def test_release_page_query_count_does_not_grow(
    client: Client, course: Course, teacher: User, quiz: Assignment
) -> None:
    client.force_login(teacher)
    url = f"/assignments/{quiz.pk}/release/"
    _graded_student(quiz, teacher, "1")
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for points in ("2", "3", "1", "4", "0", "2", "3"):
        _graded_student(quiz, teacher, points)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).context["summary"].draft == 8
    assert len(large) == len(small)


def _import(client: Client, course: Course, content: bytes) -> object:
    upload = SimpleUploadedFile("grades.csv", content, content_type="text/csv")
    return client.post(reverse("grading:gradebook_import", args=[course.pk]), {"file": upload})


def test_grade_import_good_file(
    client: Client, course: Course, teacher: User, student: User, quiz: Assignment
) -> None:
    answer = _graded_student(quiz, teacher, "1", user=student)
    client.force_login(teacher)
    content = f"Student,E-mail,Cells quiz (4.00 pts),Total (%)\nSam,{student.email},3.5,99\n"
    response = _import(client, course, content.encode())
    assert response.status_code == 302
    grade = Grade.objects.get(answer=answer)
    assert (grade.points, grade.state) == (Decimal("3.50"), GradeState.DRAFT)
    # Canvas's "Title (id)" header works too.
    _import(client, course, f"email,Cells quiz ({quiz.pk})\n{student.email},2\n".encode())
    assert Grade.objects.get(answer=answer).points == Decimal("2.00")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name,score\nx,1\n", "Line 1: the file needs one column"),
        ("email,Nope quiz\n{email},1\n", "Line 1, column “Nope quiz”"),
        ("email,Cells quiz\n{email},9\n", "Line 2, column “Cells quiz”: 9 is outside"),
        ("email,Cells quiz\n{email},2\nghost@example.com,1\n", "Line 3:"),
    ],
)
def test_grade_import_bad_file_imports_nothing(
    client: Client,
    course: Course,
    teacher: User,
    student: User,
    quiz: Assignment,
    content: str,
    message: str,
) -> None:
    _graded_student(quiz, teacher, "1", user=student)
    client.force_login(teacher)
    before = db_state()
    response = _import(client, course, content.format(email=student.email).encode())
    assert response.status_code == 200
    assert db_state() == before
    assert message in str(response.context["import_form"].errors)
    # The file's text is kept in the paste box, to be fixed there.
    assert response.context["import_form"]["text"].value() == content.format(email=student.email)


def test_grade_import_latin1_is_refused(
    client: Client, course: Course, teacher: User, student: User, quiz: Assignment
) -> None:
    client.force_login(teacher)
    before = db_state()
    response = _import(client, course, "email,Cells quiz\nzoë@x.example,1\n".encode("latin-1"))
    assert db_state() == before
    assert "not UTF-8" in str(response.context["import_form"].errors)


def test_release_all_needs_confirmation_then_releases_and_retracts(
    client: Client, course: Course, teacher: User, quiz: Assignment
) -> None:
    for points in ("1", "2"):
        _graded_student(quiz, teacher, points)
    client.force_login(teacher)
    url = f"/assignments/{quiz.pk}/release/"
    page = client.get(url)
    assert page.context["summary"].draft == 2
    assert "Release 2 grades" in page.content.decode()
    before = db_state()
    response = client.post(url, {"release-action": "release"})
    assert response.context["release_form"].errors["confirm"]
    assert db_state() == before
    client.post(url, {"release-action": "release", "release-confirm": "on"})
    assert set(Grade.objects.values_list("state", flat=True)) == {GradeState.RELEASED}
    client.post(url, {"retract-action": "retract", "retract-confirm": "on"})
    assert set(Grade.objects.values_list("state", flat=True)) == {GradeState.DRAFT}


def test_release_one_student(
    client: Client, course: Course, teacher: User, quiz: Assignment
) -> None:
    first = _graded_student(quiz, teacher, "1")
    second = _graded_student(quiz, teacher, "2")
    client.force_login(teacher)
    url = reverse("grading:release_student", args=[quiz.pk])
    client.post(url, {"action": "release", "student": first.submission.student_id})
    assert Grade.objects.get(answer=first).state == GradeState.RELEASED
    assert Grade.objects.get(answer=second).state == GradeState.DRAFT
    outsider = UserFactory()
    assert client.post(url, {"action": "release", "student": outsider.pk}).status_code == 404
    client.post(url, {"action": "retract", "student": first.submission.student_id})
    assert Grade.objects.get(answer=first).state == GradeState.DRAFT


@pytest.mark.parametrize(
    "value", ["0", "7", "7.5", "7.25", "7.125", "7.135", "-1.005", "99.999", "100.00", "0.004"]
)
def test_gradebook_cells_write_numbers_as_floatformat_does(value: str) -> None:
    from django.template.defaultfilters import floatformat

    from lms.grading.views import _number

    assert _number(Decimal(value)) == floatformat(Decimal(value), "-2")
