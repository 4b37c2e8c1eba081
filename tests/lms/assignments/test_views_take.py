"""The assignment page: every question kind, drafts, the confirmation step and the refusals."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from lms.accounts.models import User
from lms.assignments.models import Answer, Assignment, Question, Submission
from lms.assignments.services import assignment_update, submission_submit
from lms.courses.models import Course, Enrollment
from lms.grading.models import Grade
from tests.factories import EnrollmentFactory, QuestionFactory, UserFactory
from tests.lms.dbstate import db_state
from tests.lms.quiz import Quiz, make_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_quiz(teacher: User, course: Course) -> Quiz:
    """The quiz of every question kind, open now: due in a week, closing in two."""
    now = timezone.now()
    return make_quiz(
        teacher,
        course,
        opens_at=now - timedelta(days=1),
        due_at=now + timedelta(days=7),
        lock_at=now + timedelta(days=14),
        instructions="Read **carefully**. <script>alert('x')</script>",
    )


def detail_url(assignment: Assignment) -> str:
    return reverse("assignments:detail", args=[assignment.pk])


def confirm_url(assignment: Assignment) -> str:
    return reverse("assignments:confirm", args=[assignment.pk])


def typed(quiz: Quiz) -> dict[str, Any]:
    """What a student types into every field, as the browser posts it."""
    single = quiz.single.choices.get(text="CO2").pk
    whale, bat = (quiz.multiple.choices.get(text=t).pk for t in ("Whale", "Bat"))
    return {
        f"q{quiz.single.pk}": str(single),
        f"q{quiz.multiple.pk}": [str(whale), str(bat)],
        f"q{quiz.numeric.pk}": "9.8",
        f"q{quiz.short.pk}": "Chlorophyll",
        f"q{quiz.essay.pk}": "Light energy\r\nmakes glucose.",
    }


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def input_tag(html: str, name: str, value: str | None = None) -> str:
    """The first <input> of that name (and value): its whole tag, to check its attributes."""
    value_part = f'[^>]*value="{re.escape(value)}"' if value is not None else ""
    match = re.search(rf'<input[^>]*name="{name}"{value_part}[^>]*>', html)
    assert match, f"no input {name}={value} in the page"
    return match.group(0)


def test_the_page_shows_every_question_kind(client: Client, open_quiz: Quiz, student: User) -> None:
    client.force_login(student)
    html = page(client, detail_url(open_quiz.assignment))
    single, multiple = open_quiz.single, open_quiz.multiple
    for choice in single.choices.all():
        assert 'type="radio"' in input_tag(html, f"q{single.pk}", str(choice.pk))
    for choice in multiple.choices.all():
        assert 'type="checkbox"' in input_tag(html, f"q{multiple.pk}", str(choice.pk))
    number = input_tag(html, f"q{open_quiz.numeric.pk}")
    # The tolerance is ± 0.05, so answers are typed to the hundredth.
    assert 'type="number"' in number
    assert 'step="0.01"' in number
    short = input_tag(html, f"q{open_quiz.short.pk}")
    assert 'type="text"' in short
    assert 'data-char-limit="40"' in short
    essay = re.search(rf'<textarea[^>]*name="q{open_quiz.essay.pk}"[^>]*>', html)
    assert essay
    assert 'data-char-limit="20000"' in essay.group(0)
    assert "Up to 20,000 characters." in html
    assert "Up to 40 characters." in html
    assert "js/assignments.js" in html  # the counter script


def test_instructions_are_rendered_safely(client: Client, open_quiz: Quiz, student: User) -> None:
    client.force_login(student)
    html = page(client, detail_url(open_quiz.assignment))
    assert "<strong>carefully</strong>" in html
    assert "<script>alert" not in html


def test_due_time_in_the_users_zone_attempts_and_late_policy(
    client: Client, open_quiz: Quiz, student: User, teacher: User
) -> None:
    due = timezone.now().replace(microsecond=0) + timedelta(days=3)
    due = due.replace(month=1, day=15, hour=17, minute=0, year=due.year + 1)
    assignment_update(
        actor=teacher,
        assignment=open_quiz.assignment,
        due_at=due,
        lock_at=due + timedelta(days=2),
        late_deduction_percent=Decimal(10),
        late_minimum_percent=Decimal(50),
    )
    student.time_zone = "America/New_York"
    student.save()
    client.force_login(student)
    html = page(client, detail_url(open_quiz.assignment))
    assert f"15 Jan {due.year}, 12:00 EST" in html  # 17:00 UTC is noon in New York in winter
    assert "2 in all; you have 2 left." in html
    assert (
        "Late work loses 10% of the points for each day or part of a day after the due time, "
        "but never goes below 50% of the points. Nothing is accepted after "
        f"Sat 17 Jan {due.year}, 12:00 EST"
    ).replace("Sat", due.replace(day=17).strftime("%a")) in html


def test_every_question_kind_round_trips_through_a_draft(
    client: Client, open_quiz: Quiz, student: User
) -> None:
    client.force_login(student)
    url = detail_url(open_quiz.assignment)
    response = client.post(url, {**typed(open_quiz), "save": "1"})
    assert response.status_code == 302
    assert response["Location"] == url
    draft = Submission.objects.get(student=student)
    assert draft.status == Submission.Status.DRAFT
    answers = {a.question_id: a for a in draft.answers.prefetch_related("choices")}
    assert answers[open_quiz.numeric.pk].number == Decimal("9.8")
    # The browser's CRLF counts (and is stored) as the one line break the student typed.
    assert answers[open_quiz.essay.pk].text == "Light energy\nmakes glucose."
    assert {c.text for c in answers[open_quiz.multiple.pk].choices.all()} == {"Whale", "Bat"}
    assert not Grade.objects.exists()

    html = page(client, url)
    values = typed(open_quiz)
    assert "checked" in input_tag(
        html, f"q{open_quiz.single.pk}", values[f"q{open_quiz.single.pk}"]
    )
    for choice in values[f"q{open_quiz.multiple.pk}"]:
        assert "checked" in input_tag(html, f"q{open_quiz.multiple.pk}", choice)
    shark = str(open_quiz.multiple.choices.get(text="Shark").pk)
    assert "checked" not in input_tag(html, f"q{open_quiz.multiple.pk}", shark)
    assert 'value="9.8"' in input_tag(html, f"q{open_quiz.numeric.pk}")
    assert 'value="Chlorophyll"' in input_tag(html, f"q{open_quiz.short.pk}")
    assert ">\nLight energy\nmakes glucose.</textarea>" in html
    assert "Draft saved at" in html
    assert "Your draft of attempt 1 was saved" in html


def test_review_then_confirm_submits_the_draft(
    client: Client, open_quiz: Quiz, student: User
) -> None:
    client.force_login(student)
    response = client.post(detail_url(open_quiz.assignment), {**typed(open_quiz), "review": "1"})
    assert response["Location"] == confirm_url(open_quiz.assignment)
    html = page(client, confirm_url(open_quiz.assignment))
    assert "This is attempt 1" in html
    assert "of 2. After it you will have 1 attempt left." in html
    assert "Whale" in html
    assert "9.8" in html
    assert "Light energy<br>makes glucose." in html
    assert Submission.objects.get().status == Submission.Status.DRAFT

    token = re.search(r'name="draft" value="([^"]+)"', html)
    assert token
    response = client.post(confirm_url(open_quiz.assignment), {"draft": token.group(1)})
    submission = Submission.objects.get()
    assert submission.status == Submission.Status.SUBMITTED
    assert response["Location"] == reverse("assignments:submission", args=[submission.pk])
    assert Grade.objects.filter(answer__submission=submission).count() == 4  # rule grades
    assert "Attempt 1 submitted." in page(client, response["Location"])


def test_a_draft_changed_since_the_review_is_not_submitted(
    client: Client, open_quiz: Quiz, student: User
) -> None:
    client.force_login(student)
    client.post(detail_url(open_quiz.assignment), {**typed(open_quiz), "review": "1"})
    token = re.search(
        r'name="draft" value="([^"]+)"', page(client, confirm_url(open_quiz.assignment))
    )
    assert token
    other_tab = {**typed(open_quiz), f"q{open_quiz.short.pk}": "changed", "save": "1"}
    client.post(detail_url(open_quiz.assignment), other_tab)
    response = client.post(confirm_url(open_quiz.assignment), {"draft": token.group(1)})
    assert response.status_code == 200
    assert "Your answers changed since you reviewed them" in response.content.decode()
    assert Submission.objects.get().status == Submission.Status.DRAFT


def test_confirm_without_a_draft_goes_back(client: Client, open_quiz: Quiz, student: User) -> None:
    client.force_login(student)
    response = client.get(confirm_url(open_quiz.assignment))
    assert response["Location"] == detail_url(open_quiz.assignment)


def assert_refused_keeping_input(
    client: Client, quiz: Quiz, posted: dict[str, Any], message: str
) -> str:
    """POST must change nothing, say `message`, and show every value exactly as typed."""
    before = db_state()
    response = client.post(detail_url(quiz.assignment), posted)
    assert response.status_code == 200
    assert db_state() == before
    # A bound textarea shows the raw post, CRLF and all, which browsers read as one line break.
    html = response.content.decode().replace("\r\n", "\n")
    assert message in html
    assert 'role="alert"' in html
    single = posted[f"q{quiz.single.pk}"]
    assert "checked" in input_tag(html, f"q{quiz.single.pk}", single)
    for choice in posted[f"q{quiz.multiple.pk}"]:
        assert "checked" in input_tag(html, f"q{quiz.multiple.pk}", choice)
    number = posted[f"q{quiz.numeric.pk}"]
    assert f'value="{number}"' in input_tag(html, f"q{quiz.numeric.pk}")
    short = posted[f"q{quiz.short.pk}"]
    assert f'value="{short}"' in input_tag(html, f"q{quiz.short.pk}")
    essay = posted[f"q{quiz.essay.pk}"].replace("\r\n", "\n")
    assert f">\n{essay}</textarea>" in html
    return html


def test_an_over_long_answer_is_refused_beside_its_question(
    client: Client, open_quiz: Quiz, student: User
) -> None:
    client.force_login(student)
    posted = {**typed(open_quiz), f"q{open_quiz.short.pk}": "x" * 41, "review": "1"}
    html = assert_refused_keeping_input(
        client, open_quiz, posted, "This answer is 41 characters long; the limit is 40."
    )
    assert 'aria-invalid="true"' in input_tag(html, f"q{open_quiz.short.pk}")
    assert f'id="id_q{open_quiz.short.pk}_error"' in html


def test_a_number_that_does_not_parse_is_refused_beside_its_question(
    client: Client, open_quiz: Quiz, student: User
) -> None:
    client.force_login(student)
    posted = {**typed(open_quiz), f"q{open_quiz.numeric.pk}": "9,8.1", "save": "1"}
    html = assert_refused_keeping_input(client, open_quiz, posted, "is not a number")
    assert 'aria-invalid="true"' in input_tag(html, f"q{open_quiz.numeric.pk}")


def test_an_option_of_another_question_is_refused(
    client: Client, open_quiz: Quiz, student: User
) -> None:
    client.force_login(student)
    foreign = str(open_quiz.multiple.choices.first().pk)  # type: ignore[union-attr]
    posted = {**typed(open_quiz), f"q{open_quiz.single.pk}": foreign, "save": "1"}
    before = db_state()
    response = client.post(detail_url(open_quiz.assignment), posted)
    assert db_state() == before
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"lock_at": "past", "due_at": "past"},
            "This assignment closed at",
        ),
        ({"opens_at": "future"}, "This assignment opens at"),
        ({"max_attempts": 1, "used": 1}, "You have used all 1 attempts"),
        ({"late_submissions_accepted": False, "due_at": "past"}, "takes no late work"),
    ],
)
def test_a_refusal_of_the_service_keeps_everything_typed(
    client: Client,
    open_quiz: Quiz,
    student: User,
    change: dict[str, Any],
    message: str,
) -> None:
    client.force_login(student)
    assignment = open_quiz.assignment
    page(client, detail_url(assignment))  # the student opened the page while they could work
    if change.pop("used", 0):
        submission_submit(student=student, assignment=assignment, answers={})
    now = timezone.now()
    moments = {"past": now - timedelta(minutes=1), "future": now + timedelta(days=1)}
    fields = {k: moments.get(v, v) if isinstance(v, str) else v for k, v in change.items()}
    if "lock_at" in fields:
        fields["due_at"] = now - timedelta(minutes=2)
    Assignment.objects.filter(pk=assignment.pk).update(**fields)
    html = assert_refused_keeping_input(
        client, open_quiz, {**typed(open_quiz), "review": "1"}, message
    )
    # The page knows now: no buttons that could only be refused again.
    assert "Review and submit" not in html


def test_submit_refused_at_confirmation_keeps_the_draft(
    client: Client, open_quiz: Quiz, student: User
) -> None:
    client.force_login(student)
    client.post(detail_url(open_quiz.assignment), {**typed(open_quiz), "review": "1"})
    token = re.search(
        r'name="draft" value="([^"]+)"', page(client, confirm_url(open_quiz.assignment))
    )
    assert token
    now = timezone.now()
    Assignment.objects.filter(pk=open_quiz.assignment.pk).update(
        due_at=now - timedelta(minutes=2), lock_at=now - timedelta(minutes=1)
    )
    response = client.post(confirm_url(open_quiz.assignment), {"draft": token.group(1)})
    assert response.status_code == 200
    assert "This assignment closed at" in response.content.decode()
    draft = Submission.objects.get()
    assert draft.status == Submission.Status.DRAFT
    assert Answer.objects.filter(submission=draft).count() == 5


def test_a_late_attempt_is_announced_before_it_is_submitted(
    client: Client, open_quiz: Quiz, student: User
) -> None:
    client.force_login(student)
    client.post(detail_url(open_quiz.assignment), {**typed(open_quiz), "save": "1"})
    Assignment.objects.filter(pk=open_quiz.assignment.pk).update(
        due_at=timezone.now() - timedelta(hours=1)
    )
    html = page(client, confirm_url(open_quiz.assignment))
    assert "has passed: this attempt will be late." in html


def test_teachers_see_a_preview_and_cannot_submit(
    client: Client, open_quiz: Quiz, teacher: User
) -> None:
    client.force_login(teacher)
    html = page(client, detail_url(open_quiz.assignment))
    assert "Only students submit work." in html
    assert "Review and submit" not in html
    assert client.post(detail_url(open_quiz.assignment), typed(open_quiz)).status_code == 403
    assert client.get(confirm_url(open_quiz.assignment)).status_code == 403
    assert not Submission.objects.exists()


def test_outsiders_and_unpublished_assignments_are_not_found(
    client: Client, open_quiz: Quiz, student: User, outsider: User, teacher: User
) -> None:
    client.force_login(outsider)
    assert client.get(detail_url(open_quiz.assignment)).status_code == 404
    assert client.post(detail_url(open_quiz.assignment), typed(open_quiz)).status_code == 404
    Assignment.objects.filter(pk=open_quiz.assignment.pk).update(is_published=False)
    client.force_login(student)
    assert client.get(detail_url(open_quiz.assignment)).status_code == 404
    client.force_login(teacher)
    assert client.get(detail_url(open_quiz.assignment)).status_code == 200


def test_anonymous_is_sent_to_log_in(client: Client, open_quiz: Quiz) -> None:
    response = client.get(detail_url(open_quiz.assignment))
    assert response["Location"].startswith(reverse("accounts:login"))


def _grow(assignment: Assignment, extra: int) -> None:
    for index in range(extra):
        kind = (Question.Kind.ESSAY, Question.Kind.SINGLE_CHOICE)[index % 2]
        question = QuestionFactory(assignment=assignment, kind=kind, position=100 + index)
        if kind == Question.Kind.SINGLE_CHOICE:
            question.choices.create(text="yes", is_correct=True)
            question.choices.create(text="no")


def test_query_counts_do_not_grow_with_the_questions(
    client: Client, teacher: User, course: Course, django_assert_max_num_queries: Any
) -> None:
    counts = []
    for extra in (0, 20):
        now = timezone.now()
        quiz = make_quiz(
            teacher,
            course,
            opens_at=now - timedelta(days=1),
            due_at=now + timedelta(days=2),
            lock_at=None,
        )
        _grow(quiz.assignment, extra)
        student = UserFactory()
        EnrollmentFactory(user=student, course=course, role=Enrollment.Role.STUDENT)
        client.force_login(student)
        client.post(detail_url(quiz.assignment), {**typed(quiz), "save": "1"})
        with django_assert_max_num_queries(30) as detail:
            page(client, detail_url(quiz.assignment))
        with django_assert_max_num_queries(30) as confirm:
            page(client, confirm_url(quiz.assignment))
        counts.append((len(detail.captured_queries), len(confirm.captured_queries)))
    assert counts[0] == counts[1]
