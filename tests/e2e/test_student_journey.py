"""Scenario 1 of issue 5: a new student signs up, joins by code, answers every kind of question,
submits, sees AI feedback within 10 seconds, and later sees the released grade.

In a real browser: the student signs up at /accounts/signup/ and joins the demo course with the
join code the database holds. The demo's only published assignment with all five kinds of
question (single choice, multiple choice, numeric, short text, essay) is the unit check, which is
past due and closed; a student who joins this late gets an extension from the teacher (the
extensions page), the way a school would do it. The student fills in every question, saves a
draft and finds it kept on reload, reviews and submits; the AI feedback (labelled as AI, with the
key points met or missed and the evidence) is on the submission page within 10 seconds of the
submit click. The teacher accepts the AI suggestions in the grading queue and releases that
student's grades on the release page; the student then sees the grade (the points the database
holds) on the submission page and on /grades/, and the worker's notifications on /notifications/.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import LiveAula, Visit, cents, expect, label
from tests.integration.workers import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TEACHER = "teacher@example.com"
KINDS = ("single_choice", "multiple_choice", "numeric", "short_text", "essay")
FEEDBACK_SECONDS = 10  # the promise: AI feedback within 10 s of submitting
NOTIFY_TIMEOUT = 60
BACKLOG_TIMEOUT = 180  # cold worker: the encoder loads first, then the seed's tasks
# Submitted submissions with a text answer the worker has not scored yet.
UNSCORED = (
    "SELECT COUNT(*) FROM assignments_submission s WHERE s.status = 'submitted' AND EXISTS ("
    "SELECT 1 FROM assignments_answer a JOIN assignments_question q ON q.id = a.question_id "
    "WHERE a.submission_id = s.id AND q.kind IN ('short_text', 'essay') AND NOT EXISTS ("
    "SELECT 1 FROM mlcore_prediction p WHERE p.answer_id = a.id))"
)
NAME = "Noor Haddad"
PASSWORD = "violet-harbour-1987-kettle"


def utc(value: str | None) -> datetime | None:
    """A datetime column as SQLite holds it (UTC, naive text) as an aware datetime."""
    if not value:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def all_kinds_assignment(aula: LiveAula) -> tuple[int, str, int, str]:
    """(id, title, course id, course join code) of the demo's published assignment whose
    questions cover every kind."""
    rows = aula.db.rows(
        "SELECT a.id, a.title, c.id, c.join_code FROM assignments_assignment a "
        "JOIN courses_course c ON c.id = a.course_id "
        "JOIN assignments_question q ON q.assignment_id = a.id "
        "WHERE a.is_published = 1 AND c.joining_enabled = 1 "
        "GROUP BY a.id HAVING COUNT(DISTINCT q.kind) = ? ORDER BY a.id",
        len(KINDS),
    )
    assert rows, "the demo should have a published assignment with every kind of question"
    return rows[0]


def sign_up(student: Visit, email: str) -> None:
    page = student.page
    student.open("/accounts/signup/", "signup")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Your name").fill(NAME)
    page.get_by_label(label("Password")).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/courses/join/$"))  # logged in, asked for a join code
    expect(page.locator(".messages")).to_contain_text("Welcome to Aula")
    student.check("signed-up")


def join(student: Visit, join_code: str, course_id: int, titles: list[str]) -> None:
    page = student.page
    page.get_by_label("Join code").fill(join_code)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(rf"/courses/{course_id}/$"))
    for title in titles:
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
    student.check("course")


def give_extension(teacher: Visit, assignment_id: int, student_id: int) -> None:
    """A week more to work on it: the due and closing times of the student's extension."""
    page = teacher.page
    teacher.open(f"/assignments/{assignment_id}/edit/extensions/", "extensions")
    due = datetime.now() + timedelta(days=7)  # a week ahead in any time zone
    page.get_by_label("Student").select_option(str(student_id))
    page.get_by_label(label("Due")).fill(due.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label(label("Closes")).fill((due + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Reason").fill("Joined the course after the unit check closed.")
    page.get_by_role("button", name="Save the extension").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text(f"Extension saved for {NAME}")
    teacher.check("extension-given")


def questions_of(aula: LiveAula, assignment_id: int) -> list[dict[str, Any]]:
    """The assignment's questions in page order, with what a good student would answer."""
    questions = []
    for qid, kind, numeric, references, key_points in aula.db.rows(
        "SELECT id, kind, numeric_answer, reference_answers, key_points "
        "FROM assignments_question WHERE assignment_id = ? ORDER BY position, id",
        assignment_id,
    ):
        correct = [
            text
            for (text,) in aula.db.rows(
                "SELECT text FROM assignments_choice WHERE question_id = ? AND is_correct = 1 "
                "ORDER BY position, id",
                qid,
            )
        ]
        references = json.loads(references or "[]")
        key_points = json.loads(key_points or "[]")
        if kind == "essay":
            # Half the reference: some key points met, some missed.
            sentences = references[0].split(". ")
            answer = ". ".join(sentences[: len(sentences) // 2]) + "."
        elif kind == "short_text":
            answer = min(references, key=len) if references else ""
        else:
            answer = ""
        questions.append(
            {
                "id": qid,
                "kind": kind,
                "correct": correct,
                "number": numeric,
                "text": answer,
                "key_points": key_points,
            }
        )
    assert {q["kind"] for q in questions} == set(KINDS), questions
    return questions


def fill_answers(student: Visit, questions: list[dict[str, Any]]) -> None:
    page = student.page
    for question in questions:
        fieldset = page.locator(f"#question-{question['id']}")
        if question["kind"] in ("single_choice", "multiple_choice"):
            for text in question["correct"]:
                fieldset.get_by_label(text, exact=True).check()
        elif question["kind"] == "numeric":
            fieldset.get_by_label("Your answer").fill(format(Decimal(question["number"]), "f"))
        else:
            assert question["text"], question
            fieldset.get_by_label("Your answer").fill(question["text"])


def expect_answers_kept(student: Visit, questions: list[dict[str, Any]]) -> None:
    page = student.page
    for question in questions:
        fieldset = page.locator(f"#question-{question['id']}")
        if question["kind"] in ("single_choice", "multiple_choice"):
            checked = fieldset.locator("input:checked")
            expect(checked).to_have_count(len(question["correct"]))
            for text in question["correct"]:
                expect(fieldset.get_by_label(text, exact=True)).to_be_checked()
        elif question["kind"] == "numeric":
            typed = fieldset.get_by_label("Your answer").input_value()
            assert Decimal(typed) == Decimal(question["number"]), (question, typed)
        else:
            expect(fieldset.get_by_label("Your answer")).to_have_value(question["text"])


def answers_of(aula: LiveAula, submission_id: int) -> list[tuple[Any, ...]]:
    """(answer id, question id, kind, grade state, source, points) of the submission."""
    return aula.db.rows(
        "SELECT a.id, q.id, q.kind, g.state, g.source, g.points FROM assignments_answer a "
        "JOIN assignments_question q ON q.id = a.question_id "
        "LEFT JOIN grading_grade g ON g.answer_id = a.id "
        "WHERE a.submission_id = ? ORDER BY q.position, q.id",
        submission_id,
    )


def test_new_student_signs_up_joins_submits_and_sees_feedback_and_grade(
    aula: LiveAula, visitor: type[Visit]
) -> None:
    db = aula.db
    assignment_id, title, course_id, join_code = all_kinds_assignment(aula)
    titles = [
        t
        for (t,) in db.rows(
            "SELECT title FROM assignments_assignment WHERE course_id = ? AND is_published = 1",
            course_id,
        )
    ]
    email = f"new.student.{uuid.uuid4().hex[:8]}@example.com"

    # 1-2. Sign up, land logged in on the join page, join with the code.
    student = visitor("student")
    sign_up(student, email)
    student_id = db.value("SELECT id FROM accounts_user WHERE email = ?", email)
    assert student_id, email
    join(student, join_code, course_id, titles)
    assert (
        db.value(
            "SELECT role FROM courses_enrollment "
            "WHERE user_id = ? AND course_id = ? AND is_active = 1",
            student_id,
            course_id,
        )
        == "student"
    )

    # The assignment is past due and closed for someone joining now: the teacher extends it.
    teacher = visitor("teacher")
    teacher.log_in(TEACHER)
    due_at, lock_at = db.rows(
        "SELECT due_at, lock_at FROM assignments_assignment WHERE id = ?", assignment_id
    )[0]
    now = datetime.now(UTC)
    if any(when is not None and when < now for when in (utc(due_at), utc(lock_at))):
        give_extension(teacher, assignment_id, student_id)

    # 3. Every question through the page; a draft first, kept on reload; then review and submit.
    questions = questions_of(aula, assignment_id)
    page = student.page
    student.open(f"/assignments/{assignment_id}/", "assignment")
    fill_answers(student, questions)
    student.check("answers-filled")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("Draft saved at")
    student.open(f"/assignments/{assignment_id}/", "draft-reloaded")
    expect_answers_kept(student, questions)
    page.get_by_role("button", name="Review and submit…").click()
    page.wait_for_url(re.compile(r"/submit/$"))
    student.check("review")

    # 4. AI feedback, labelled as AI, within 10 s of the submit click (htmx polls the page).
    # The promise is about a worker at work, not one still scoring the demo's seeded
    # submissions it was handed at start (its first minute): wait for that backlog to drain.
    wait_for(
        lambda: db.value(UNSCORED) == 0,
        timeout=BACKLOG_TIMEOUT,
        what="the worker to score the demo's seeded submissions",
        every=1,
    )
    started = time.monotonic()
    page.get_by_role("button", name="Submit attempt 1").click()
    page.wait_for_url(re.compile(r"/assignments/submissions/\d+/$"))
    feedback = page.locator("#ai-feedback")
    left_ms = max(0.0, FEEDBACK_SECONDS - (time.monotonic() - started)) * 1000
    expect(feedback).to_have_attribute("data-feedback-state", "ready", timeout=left_ms)
    took = time.monotonic() - started
    assert took <= FEEDBACK_SECONDS, f"AI feedback took {took:.1f} s"
    submission_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    expect(feedback.get_by_role("heading", name="AI feedback", exact=True)).to_be_visible()
    expect(feedback).to_contain_text("Written by an AI model, not by your teacher")
    text_questions = [q for q in questions if q["kind"] in ("short_text", "essay")]
    items = feedback.locator("article.feedback-item")
    expect(items).to_have_count(len(text_questions))
    expect(items.locator(".label").first).to_have_text("AI feedback, provisional")
    for item in items.all():
        expect(item.locator(".score")).to_contain_text("Suggested score:")
    key_points = feedback.locator("ol.key-points li")
    assert key_points.count() == sum(len(q["key_points"]) for q in text_questions)
    essay_number = next(n for n, q in enumerate(questions, start=1) if q["kind"] == "essay")
    essay = feedback.get_by_role("article", name=re.compile(rf"^Question {essay_number}\b"))
    assert essay.locator("ol.key-points li.met").count() >= 1, "half the reference meets some"
    assert essay.locator("ol.key-points li.missed").count() >= 1, "and misses some"
    expect(essay.locator("blockquote.answer-text mark").first).to_be_visible()  # the evidence
    student.check("feedback")
    print(f"AI feedback shown {took:.2f} s after the submit click")

    # 5. The teacher turns the AI (and rule) suggestions into grades, then releases them.
    def graded() -> list[tuple[Any, ...]]:
        rows = answers_of(aula, submission_id)
        return rows if all(state for *_, state, _, _ in rows) else []

    rows = wait_for(graded, timeout=30, what="a grade or suggestion for every answer", every=1)
    assert len(rows) == len(questions), rows
    tpage = teacher.page
    for answer_id, question_id, _kind, state, _source, _points in rows:
        if state != "suggested":
            continue
        teacher.open(f"/ml/questions/{question_id}/queue/?state=suggested", f"queue-{question_id}")
        item = tpage.locator(f"#answer-{answer_id}")
        expect(item.locator(".ai-suggestion")).to_be_visible()
        item.locator("[data-queue-accept]").click()
        expect(item).to_contain_text("Decided:")
        teacher.check(f"queue-{question_id}-accepted")
    rows = answers_of(aula, submission_id)
    assert all(state == "draft" for *_, state, _, _ in rows), rows

    teacher.open(f"/assignments/{assignment_id}/release/", "release")
    tpage.get_by_role(
        "button", name=re.compile(rf"^Release {len(rows)} grades? of {re.escape(email)}$")
    ).click()
    tpage.wait_for_load_state()
    expect(tpage.locator(".messages")).to_contain_text(f"{len(rows)} grade(s) of {email} released.")
    teacher.check("released")
    rows = answers_of(aula, submission_id)
    assert all(state == "released" for *_, state, _, _ in rows), rows
    points = {answer_id: cents(p) for answer_id, *_, p in rows}
    total = sum(points.values(), Decimal(0))
    possible = cents(
        db.value(
            "SELECT SUM(points) FROM assignments_question WHERE assignment_id = ?", assignment_id
        )
    )

    # 6. The student sees the released grade: the submission page, My grades, notifications.
    student.open(f"/assignments/submissions/{submission_id}/", "graded-submission")
    score = page.locator(".grade-summary .score")
    expect(score).to_contain_text("points")
    assert cents(score.locator("strong").inner_text()) == total, (score.inner_text(), total)
    for answer_id, question_id, *_ in rows:
        shown = page.locator(f"#answer-q{question_id} .grade strong").inner_text()
        assert cents(shown) == points[answer_id], (question_id, shown, points[answer_id])
    expect(page.locator("#ai-feedback .feedback-item .label").first).to_have_text("AI feedback")

    student.open("/grades/", "my-grades")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=title, exact=True))
    expect(row).to_contain_text(" / ")
    shown_score = re.search(r"([\d.]+) / ([\d.]+)", row.inner_text())
    assert shown_score, row.inner_text()
    assert cents(shown_score.group(1)) == total, (row.inner_text(), total)
    assert cents(shown_score.group(2)) == possible, (row.inner_text(), possible)

    def notified() -> list[str]:
        kinds = {
            kind
            for (kind,) in db.rows(
                "SELECT kind FROM notifications_notification WHERE user_id = ?", student_id
            )
        }
        return sorted(kinds) if {"feedback_ready", "grade_released"} <= kinds else []

    wait_for(notified, timeout=NOTIFY_TIMEOUT, what="the student's notifications", every=1)
    student.open("/notifications/", "notifications")
    notifications = page.locator("ul.notifications")
    expect(notifications).to_contain_text("Feedback ready")
    expect(notifications).to_contain_text("Grade released")
