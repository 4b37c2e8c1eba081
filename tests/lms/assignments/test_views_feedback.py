"""The AI feedback on the submission page: labelled, live while pending, only as the course allows.

The predictions come from the real scoring service (the similarity fallback: no trained model), run
in this process; the page shows them through mlcore's selector, named in the settings.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from lms.accounts.models import User
from lms.assignments.models import Answer, Question
from lms.courses.models import Course
from lms.grading.services import grade_release, grade_set
from mlcore.services.scoring import submission_score
from tests.lms.assignments.test_views_take import page
from tests.mlcore.scoring_helpers import KEY_POINTS, RIGHT, new_student, submit, text_question

pytestmark = pytest.mark.django_db

FEEDBACK_STATE = re.compile(r'data-feedback-state="(\w+)"')


@pytest.fixture
def question(course: Course) -> Question:
    return text_question(course)


@pytest.fixture
def answer(question: Question, student: User) -> Answer:
    submission = submit(student, question.assignment, {question.pk: RIGHT})
    return submission.answers.get()


def submission_url(answer: Answer) -> str:
    return reverse("assignments:submission", args=[answer.submission_id])


def feedback_url(answer: Answer) -> str:
    return reverse("assignments:submission_feedback", args=[answer.submission_id])


def state_of(html: str) -> str:
    match = FEEDBACK_STATE.search(html)
    assert match, "no AI feedback section"
    return match.group(1)


def test_feedback_arrives_by_polling_then_polling_stops(
    client: Client, answer: Answer, student: User
) -> None:
    client.force_login(student)
    html = page(client, submission_url(answer))
    assert state_of(html) == "pending"
    assert f'hx-get="{feedback_url(answer)}"' in html
    assert 'hx-trigger="every 1s"' in html
    assert "htmx.min.js" in html
    assert state_of(page(client, feedback_url(answer))) == "pending"

    submission_score(submission_id=answer.submission_id)  # the worker's job

    partial = page(client, feedback_url(answer))
    assert state_of(partial) == "ready"
    assert "hx-trigger" not in partial  # the swapped-in copy does not poll again
    assert "<html" not in partial  # the part alone
    assert "AI feedback, provisional" in partial
    assert "No trained model yet" in partial


def test_the_student_sees_score_key_points_and_their_own_evidence(
    client: Client, answer: Answer, student: User
) -> None:
    submission_score(submission_id=answer.submission_id)
    client.force_login(student)
    html = page(client, submission_url(answer))
    assert state_of(html) == "ready"
    assert re.search(r"Suggested score: <strong>[\d.]+</strong> of 2.00 points", html)
    for key_point in KEY_POINTS:
        assert key_point in html
    marked = re.findall(r"<mark>(.*?)</mark>", html)
    assert marked, "no evidence highlighted"
    assert all(piece in RIGHT for piece in marked)  # the student's own sentences
    assert "[key point" in html
    assert "Confidence" not in html
    assert "confidence" not in html.lower().split("ai-feedback", 1)[1]  # no internals


def test_after_release_courses_show_it_with_the_grade_only(
    client: Client, answer: Answer, student: User, teacher: User, course: Course
) -> None:
    course.ai_feedback = Course.AIFeedback.AFTER_RELEASE
    course.save()
    submission_score(submission_id=answer.submission_id)
    client.force_login(student)
    html = page(client, submission_url(answer))
    assert state_of(html) == "hidden"
    assert "comes with your grade" in html
    assert "Suggested score" not in html
    assert "<mark>" not in html

    grade = grade_set(actor=teacher, answer=answer, points=Decimal(2), comment="Well done.")
    grade_release(actor=teacher, grade=grade)
    html = page(client, submission_url(answer))
    assert state_of(html) == "ready"
    assert "Suggested score" in html
    assert "AI feedback, provisional" not in html  # released: no longer provisional
    assert "Well done." in html


def test_the_teacher_sees_the_suggestion_with_its_internals(
    client: Client, answer: Answer, teacher: User
) -> None:
    submission_score(submission_id=answer.submission_id)
    client.force_login(teacher)
    html = page(client, submission_url(answer))
    assert state_of(html) == "ready"
    assert "AI suggestion" in html
    assert "Model similarity; confidence" in html


def test_an_answer_is_escaped_inside_the_evidence(
    client: Client, question: Question, student: User
) -> None:
    text = "Blue light is scattered <b>more</b> by the air because its wavelength is short."
    submission = submit(student, question.assignment, {question.pk: text})
    submission_score(submission_id=submission.pk)
    client.force_login(student)
    html = page(client, reverse("assignments:submission", args=[submission.pk]))
    assert "&lt;b&gt;more&lt;/b&gt;" in html
    assert "<b>more</b>" not in html


def test_query_counts_do_not_grow_with_the_text_answers(
    client: Client, course: Course, teacher: User, django_assert_max_num_queries: Any
) -> None:
    counts = []
    for questions in (1, 6):
        first = text_question(course)
        extra = [
            Question.objects.create(
                assignment=first.assignment,
                kind=Question.Kind.SHORT_TEXT,
                prompt=f"Extra {n}",
                position=10 + n,
                points=Decimal(2),
                reference_answers=first.reference_answers,
                key_points=first.key_points,
            )
            for n in range(questions - 1)
        ]
        student = new_student(course)
        texts = {q.pk: RIGHT for q in [first, *extra]}
        submission = submit(student, first.assignment, texts)
        submission_score(submission_id=submission.pk)
        sizes = []
        for viewer, url in (
            (student, reverse("assignments:submission", args=[submission.pk])),
            (student, reverse("assignments:submission_feedback", args=[submission.pk])),
            (teacher, reverse("assignments:submission", args=[submission.pk])),
        ):
            client.force_login(viewer)
            with django_assert_max_num_queries(40) as captured:
                assert state_of(page(client, url)) == "ready"
            sizes.append(len(captured.captured_queries))
        counts.append(sizes)
    assert counts[0] == counts[1]
