"""The teacher's assignment editor: every question kind and a rubric through the pages, edits,
order, deletion, publishing, extensions, bad input kept inline, permissions and query counts."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.models import User
from lms.assignments.models import Assignment, Extension, Question
from lms.assignments.services import question_create
from lms.courses.models import Course, Enrollment
from tests.factories import (
    CriterionFactory,
    EnrollmentFactory,
    ExtensionFactory,
    LevelFactory,
    QuestionFactory,
    SkillFactory,
    SubmissionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

SETTINGS = {
    "title": "Photosynthesis quiz",
    "instructions": "Read **carefully**.",
    "opens_at": "2026-09-01T08:00",
    "due_at": "2026-09-08T23:59",
    "lock_at": "",
    "max_attempts": "2",
    "attempt_scoring": "latest",
    "late_submissions_accepted": "on",
    "late_deduction_percent": "10",
    "late_interval": "day",
    "late_minimum_percent": "50",
    "missing_deduction_percent": "100",
    "category": "",
    "new_category": "Quizzes",
    "new_category_weight": "30",
    "release_policy": "manual",
}


def rows(prefix: str, items: list[dict[str, str]], initial: int = 0) -> dict[str, str]:
    data = {f"{prefix}-TOTAL_FORMS": str(len(items)), f"{prefix}-INITIAL_FORMS": str(initial)}
    for index, item in enumerate(items):
        data |= {f"{prefix}-{index}-{key}": value for key, value in item.items()}
    return data


def rubric(levels: list[tuple[str, str]], title: str = "Accuracy") -> dict[str, str]:
    return rows("criteria", [{"title": title, "description": ""}]) | rows(
        "criteria-0-levels", [{"title": t, "points": p, "description": ""} for t, p in levels]
    )


@pytest.fixture
def teacher_client(client: Client, teacher: User) -> Client:
    client.force_login(teacher)
    return client


@pytest.fixture
def assignment(teacher_client: Client, course: Course) -> Assignment:
    response = teacher_client.post(reverse("assignments:new", args=[course.pk]), SETTINGS)
    assert response.status_code == 302
    return Assignment.objects.get(course=course)


def errors(html: str) -> list[str]:
    """The error lists on a page, for an assertion's message."""
    return re.findall(r'(?s)<ul class="errorlist[^>]*>.*?</ul>', html)


def new_url(assignment: Assignment, kind: str) -> str:
    return reverse("assignments:question_new", args=[assignment.pk, kind])


def test_create_an_assignment_with_every_kind_and_a_rubric(
    teacher_client: Client, course: Course, teacher: User
) -> None:
    teacher.time_zone = "Europe/Madrid"
    teacher.save()
    response = teacher_client.post(reverse("assignments:new", args=[course.pk]), SETTINGS)
    assignment = Assignment.objects.get(course=course)
    assert response.url == reverse("assignments:edit", args=[assignment.pk])
    assert assignment.category is not None
    assert assignment.category.weight == Decimal(30)
    # Typed in the teacher's zone (UTC+2 in September), stored in UTC.
    assert assignment.due_at is not None
    assert assignment.due_at.hour == 21
    assert assignment.late_deduction_percent == Decimal(10)
    assert not assignment.is_published
    skill = SkillFactory(course=course)
    choice_rows = [
        {"text": "CO2", "is_correct": "on"},
        {"text": "O2"},
        {"text": ""},
    ]
    posts = {
        "single_choice": {"prompt": "Gas in?", "points": "1"} | rows("choices", choice_rows),
        "multiple_choice": {"prompt": "Mammals?", "points": "2"}
        | rows(
            "choices",
            [
                {"text": "Whale", "is_correct": "on"},
                {"text": "Bat", "is_correct": "on"},
                {"text": "Shark"},
            ],
        ),
        "numeric": {
            "prompt": "g?",
            "points": "2",
            "numeric_answer": "9.81",
            "numeric_tolerance": "0.05",
        },
        "short_text": {
            "prompt": "Green pigment?",
            "points": "1",
            "accepted_answers": "Chlorophyll\nchlorophyll a",
            "reference_answers": "Chlorophyll",
            "key_points": "",
        }
        | rubric([], title=""),
        "essay": {
            "prompt": "Explain photosynthesis.",
            "points": "4",
            "reference_answers": "Light makes sugar.",
            "key_points": "light\nsugar",
            "skills": [str(skill.pk)],
        }
        | rubric([("Full", "3"), ("Part", "1"), ("", "")]),
    }
    for kind, data in posts.items():
        response = teacher_client.post(new_url(assignment, kind), data)
        assert response.status_code == 302, (
            kind,
            re.findall(
                r"(?s)<ul class=\"errorlist[^>]*>.*?</ul>|role=\"alert\"[^<]*<[^<]*",
                response.content.decode(),
            ),
        )
    questions = list(assignment.questions.order_by("position"))
    assert [q.kind for q in questions] == list(posts)
    single, multiple, numeric, short, essay = questions
    assert [(c.text, c.is_correct) for c in single.choices.all()] == [("CO2", True), ("O2", False)]
    assert multiple.choices.filter(is_correct=True).count() == 2
    assert numeric.numeric_tolerance == Decimal("0.05")
    assert short.accepted_answers == ["Chlorophyll", "chlorophyll a"]
    assert not short.criteria.exists()
    criterion = essay.criteria.get()
    assert [(lv.title, lv.points) for lv in criterion.levels.all()] == [
        ("Full", Decimal(3)),
        ("Part", Decimal(1)),
    ]
    assert list(essay.skills.all()) == [skill]
    page = teacher_client.get(reverse("assignments:edit", args=[assignment.pk]))
    assert page.status_code == 200
    assert b"5 questions, 10 points" in page.content
    response = teacher_client.post(
        reverse("assignments:publish", args=[assignment.pk]), {"published": "1"}
    )
    assignment.refresh_from_db()
    assert assignment.is_published


def test_edit_reorder_delete_a_question(
    teacher_client: Client, assignment: Assignment, teacher: User
) -> None:
    first = QuestionFactory(assignment=assignment, kind="essay", position=0)
    second = question_create(
        actor=teacher,
        assignment=assignment,
        kind="single_choice",
        prompt="Old",
        choices=[{"text": "A", "is_correct": True}, {"text": "B"}],
    )
    kept, dropped = second.choices.all()
    url = reverse("assignments:question_edit", args=[assignment.pk, second.pk])
    assert teacher_client.get(url).status_code == 200
    data = {"prompt": "New wording", "points": "3"} | rows(
        "choices",
        [
            {"id": str(kept.pk), "text": "A!", "is_correct": "on"},
            {"id": str(dropped.pk), "text": ""},
            {"text": "C"},
        ],
        initial=2,
    )
    assert teacher_client.post(url, data).status_code == 302
    second.refresh_from_db()
    assert (second.prompt, second.points) == ("New wording", Decimal(3))
    assert next((c.pk, c.text) for c in second.choices.all()) == (kept.pk, "A!")
    assert [c.text for c in second.choices.all()] == ["A!", "C"]
    move = reverse("assignments:question_move", args=[assignment.pk, second.pk])
    teacher_client.post(move, {"direction": "up"})
    assert list(assignment.questions.order_by("position").values_list("pk", flat=True)) == [
        second.pk,
        first.pk,
    ]
    delete = reverse("assignments:question_delete", args=[assignment.pk, first.pk])
    assert teacher_client.get(delete).status_code == 200
    teacher_client.post(delete)
    assert list(assignment.questions.values_list("pk", "position")) == [(second.pk, 0)]


def test_add_a_choice_row_without_javascript_keeps_what_was_typed(
    teacher_client: Client, assignment: Assignment
) -> None:
    data = {"prompt": "Typed prompt", "points": "1", "add": "choice"} | rows(
        "choices", [{"text": "First", "is_correct": "on"}, {"text": "Second"}]
    )
    response = teacher_client.post(new_url(assignment, "single_choice"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert not assignment.questions.exists()
    assert 'name="choices-TOTAL_FORMS" value="3"' in html
    assert "Typed prompt" in html
    assert 'value="First"' in html
    assert "errorlist" not in html


@pytest.mark.parametrize(
    ("kind", "data", "message", "kept"),
    [
        ("essay", {"prompt": "P", "points": "-1"}, "Points must be more than 0.", 'value="-1"'),
        (
            "numeric",
            {"prompt": "P", "points": "1", "numeric_answer": "3", "numeric_tolerance": "-0.5"},
            "The tolerance cannot be negative.",
            'value="-0.5"',
        ),
        (
            "single_choice",
            {"prompt": "P", "points": "1"} | rows("choices", [{"text": "Kept A"}, {"text": "B"}]),
            "Mark exactly one choice as correct.",
            'value="Kept A"',
        ),
        (
            "multiple_choice",
            {"prompt": "P", "points": "1"} | rows("choices", [{"text": "Kept A"}, {"text": "B"}]),
            "Mark at least one choice as correct.",
            'value="Kept A"',
        ),
        (
            "essay",
            {"prompt": "P", "points": "2"} | rubric([("Top level", "5")]),
            "More than the question&#x27;s 2 points.",
            'value="Top level"',
        ),
        ("numeric", {"prompt": "P", "points": "1"}, "needs its correct answer", "P</textarea>"),
    ],
)
def test_bad_question_input_is_shown_inline_and_kept(
    teacher_client: Client,
    assignment: Assignment,
    kind: str,
    data: dict[str, Any],
    message: str,
    kept: str,
) -> None:
    response = teacher_client.post(new_url(assignment, kind), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert kept in html
    assert 'class="errorlist' in html
    assert not assignment.questions.exists()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "Give the assignment a title."),
        ({"due_at": "2026-08-01T08:00"}, "The due time must come after the opening time."),
        ({"late_deduction_percent": "-5"}, "greater than or equal to 0"),
    ],
)
def test_bad_settings_are_shown_inline_and_kept(
    teacher_client: Client, course: Course, changes: dict[str, str], message: str
) -> None:
    data = SETTINGS | changes
    response = teacher_client.post(reverse("assignments:new", args=[course.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert message in html
    assert "Read **carefully**." in html
    assert 'value="Quizzes"' in html
    assert not Assignment.objects.filter(course=course).exists()


def test_questions_are_locked_once_students_submitted(
    teacher_client: Client, assignment: Assignment, teacher: User, student: User
) -> None:
    question = question_create(
        actor=teacher,
        assignment=assignment,
        kind="single_choice",
        prompt="Old",
        choices=[{"text": "A", "is_correct": True}, {"text": "B"}],
    )
    SubmissionFactory(assignment=assignment, student=student)
    a, b = question.choices.all()
    url = reverse("assignments:question_edit", args=[assignment.pk, question.pk])
    page = teacher_client.get(url).content.decode()
    assert "Students have submitted this assignment" in page
    # Wording changes go through; a different correct choice or points are ignored (locked).
    data = {"prompt": "Reworded", "points": "9"} | rows(
        "choices",
        [{"id": str(a.pk), "text": "A2"}, {"id": str(b.pk), "text": "B2", "is_correct": "on"}],
        initial=2,
    )
    assert teacher_client.post(url, data).status_code == 302
    question.refresh_from_db()
    assert (question.prompt, question.points) == ("Reworded", Decimal(1))
    assert [(c.text, c.is_correct) for c in question.choices.all()] == [("A2", True), ("B2", False)]
    response = teacher_client.post(
        new_url(assignment, "essay"), {"prompt": "P", "points": "1"}, follow=True
    )
    assert "questions can no longer be added" in response.content.decode()
    assert assignment.questions.count() == 1
    delete = reverse("assignments:question_delete", args=[assignment.pk, question.pk])
    teacher_client.post(delete)
    assert assignment.questions.count() == 1


def test_extensions_are_given_checked_and_removed(
    teacher_client: Client, assignment: Assignment, student: User
) -> None:
    url = reverse("assignments:extensions", args=[assignment.pk])
    bad = {"student": str(student.pk), "due_at": "", "extra_attempts": "-1", "reason": "Ill"}
    html = teacher_client.post(url, bad).content.decode()
    assert "Extra attempts cannot be negative." in html
    assert 'value="Ill"' in html
    good = bad | {"due_at": "2026-09-10T12:00", "extra_attempts": "1"}
    assert teacher_client.post(url, good).status_code == 302
    extension = Extension.objects.get(assignment=assignment, student=student)
    assert extension.extra_attempts == 1
    remove = reverse("assignments:extension_remove", args=[assignment.pk, extension.pk])
    teacher_client.post(remove)
    assert not Extension.objects.exists()


def test_only_the_course_teachers_reach_the_editor(
    client: Client, course: Course, assignment: Assignment, student: User, outsider: User
) -> None:
    question = QuestionFactory(assignment=assignment)
    ta = UserFactory()
    EnrollmentFactory(user=ta, course=course, role=Enrollment.Role.TA)
    other_teacher = UserFactory()
    EnrollmentFactory(user=other_teacher, role=Enrollment.Role.TEACHER)
    urls = [
        reverse("assignments:new", args=[course.pk]),
        reverse("assignments:edit", args=[assignment.pk]),
        reverse("assignments:question_new", args=[assignment.pk, "essay"]),
        reverse("assignments:question_edit", args=[assignment.pk, question.pk]),
        reverse("assignments:question_delete", args=[assignment.pk, question.pk]),
        reverse("assignments:extensions", args=[assignment.pk]),
    ]
    for user in (student, outsider, ta, other_teacher):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 404, (user, url)
        assert client.post(urls[4]).status_code == 404
        publish = reverse("assignments:publish", args=[assignment.pk])
        assert client.post(publish, {"published": "1"}).status_code == 404
    assert Question.objects.filter(pk=question.pk).exists()
    assignment.refresh_from_db()
    assert not assignment.is_published


def test_editor_page_query_count_does_not_grow(
    teacher_client: Client, assignment: Assignment, course: Course
) -> None:
    skill = SkillFactory(course=course)
    url = reverse("assignments:edit", args=[assignment.pk])
    counts = []
    for total in (3, 12):
        while assignment.questions.count() < total:
            QuestionFactory(assignment=assignment).skills.add(skill)
        teacher_client.get(url)  # warm the session
        with CaptureQueriesContext(connection) as captured:
            assert teacher_client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], [q["sql"] for q in captured.captured_queries]


def test_extensions_and_question_pages_cost_the_same_queries_at_any_size(
    teacher_client: Client, assignment: Assignment, course: Course
) -> None:
    skill = SkillFactory(course=course)
    question = QuestionFactory(assignment=assignment, kind=Question.Kind.ESSAY)
    question.skills.add(skill)
    urls = [
        reverse("assignments:extensions", args=[assignment.pk]),
        reverse("assignments:question_edit", args=[assignment.pk, question.pk]),
    ]

    def grow(n: int) -> None:
        for _ in range(n):
            student = UserFactory()
            EnrollmentFactory(user=student, course=course)
            ExtensionFactory(assignment=assignment, student=student)
            question.skills.add(SkillFactory(course=course))
            LevelFactory(criterion=CriterionFactory(question=question))

    counts = []
    for n in (1, 8):
        grow(n)
        for url in urls:
            teacher_client.get(url)  # warm the session
            with CaptureQueriesContext(connection) as captured:
                assert teacher_client.get(url).status_code == 200
            counts.append((url, len(captured)))
    assert counts[:2] == counts[2:]
