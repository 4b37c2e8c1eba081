"""The course page links each text question to its grading queue and model page, for staff."""

from __future__ import annotations

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.models import User
from lms.assignments.models import Question
from lms.courses.models import Course
from tests.factories import AssignmentFactory, QuestionFactory
from tests.mlcore.review_helpers import make_ta


def _course_url(course: Course) -> str:
    return reverse("courses:detail", args=[course.pk])


def _assignment(course: Course, title: str) -> list[Question]:
    assignment = AssignmentFactory(course=course, title=title)
    return [
        QuestionFactory(assignment=assignment, position=1, kind=Question.Kind.SINGLE_CHOICE),
        QuestionFactory(assignment=assignment, position=2, kind=Question.Kind.SHORT_TEXT),
        QuestionFactory(assignment=assignment, position=3, kind=Question.Kind.ESSAY),
    ]


def test_staff_get_links_for_each_text_question(
    client: Client, course: Course, teacher: User
) -> None:
    choice, short, essay = _assignment(course, "Cells quiz")
    for user in (teacher, make_ta(course)):
        client.force_login(user)
        html = client.get(_course_url(course)).content.decode()
        for question, number in ((short, 2), (essay, 3)):
            queue = reverse("mlcore:queue", kwargs={"question_id": question.pk})
            model = reverse("mlcore:question_model", kwargs={"question_id": question.pk})
            assert f'<a href="{queue}">Grade question {number} of Cells quiz</a>' in html
            assert f'<a href="{model}">Model of question {number} of Cells quiz</a>' in html
        assert reverse("mlcore:queue", kwargs={"question_id": choice.pk}) not in html


def test_students_get_no_links(client: Client, course: Course, student: User) -> None:
    _assignment(course, "Cells quiz")
    client.force_login(student)
    html = client.get(_course_url(course)).content.decode()
    assert "/ml/" not in html


def test_links_cost_the_same_queries_at_any_size(
    client: Client, course: Course, teacher: User
) -> None:
    client.force_login(teacher)
    _assignment(course, "One")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_course_url(course)).status_code == 200
        return len(captured)

    few = queries()
    for n in range(6):
        _assignment(course, f"More {n}")
    assert queries() == few
