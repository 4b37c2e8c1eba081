"""Scenario 2 of issue 5: a teacher's journey from a new course to a gradebook CSV.

In a real browser, as the demo teacher: open a course, write an assignment (a short-text question
with a reference answer, key points and a one-criterion rubric, and a single-choice question) and
publish it. Three demo students join with the course's join code and submit (a good, a weak and a
middling answer). Once the worker has scored them with the similarity fallback, the teacher grades
from the queue with the keyboard only: accepts one AI suggestion (`a`) and edits another's points
(`j`, `e`, Enter). The grades are teacher drafts with their audit events; the release page
releases them; the gradebook CSV downloaded from its page matches what the database holds.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.e2e.conftest import LiveAula, Visit, cents, expect, label
from tests.integration.workers import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TEACHER = "teacher@example.com"
SCORING_TIMEOUT = 180  # the worker loads the sentence encoder before its first score

COURSE_CODE = "E2E-101"
TITLE = "Photosynthesis check"
TEXT_POINTS = Decimal(4)
CHOICE_POINTS = Decimal(1)
EDITED_POINTS = Decimal("1.5")  # off the whole-point grid the fallback snaps suggestions to
REFERENCE = (
    "Photosynthesis uses light energy, water and carbon dioxide to make glucose and release oxygen."
)
KEY_POINTS = ["uses light energy", "makes glucose from carbon dioxide and water", "releases oxygen"]
# role in the story -> (text answer, choice picked)
ANSWERS = {
    "good": (
        "Plants use light energy to turn water and carbon dioxide into glucose, and they release "
        "oxygen.",
        "Oxygen",
    ),
    "weak": ("It is when plants grow bigger in the soil.", "Nitrogen"),
    "middling": ("Plants make glucose with sunlight.", "Oxygen"),
}


def field(page: Any, text: str) -> Any:
    """The form field labelled `text`, with or without Django's label suffix (a colon)."""
    return page.get_by_label(label(text))


def activate(locator: Any) -> None:
    """Focus a link or button and press Enter. Not a mouse click: axe-core (run by
    `Visit.check` just before) scrolls the page while it checks colour contrast and puts the
    scroll back a moment later, so a click aimed before that lands beside its target."""
    locator.focus()
    locator.press("Enter")


def submit(page: Any, button: str, url: str) -> None:
    """Press the button and wait for the page at `url` (a pattern); else say what was refused."""
    activate(page.get_by_role("button", name=button, exact=True))
    try:
        page.wait_for_url(re.compile(url))
    except Exception as exc:
        errors = page.locator(".errorlist, .form-errors").all_inner_texts()
        raise AssertionError(f"{button!r} did not lead to {url} ({page.url}): {errors}") from exc


def create_course(teacher: Visit) -> tuple[int, str]:
    """The course through /courses/new/; its id and the join code its page shows."""
    page = teacher.page
    teacher.open("/courses/new/", "course-new")
    field(page, "Code").fill(COURSE_CODE)
    field(page, "Title").fill("Plant biology (e2e)")
    field(page, "Term").fill("2026 Winter")
    submit(page, "Create course", r"/courses/\d+/$")
    teacher.check("course-created")
    course_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    join_code = page.locator(".join-code").inner_text().strip()
    assert join_code
    assert (
        teacher.aula.db.value(
            "SELECT join_code FROM courses_course WHERE id = ? AND code = ?", course_id, COURSE_CODE
        )
        == join_code
    )
    teacher.open(f"/courses/{course_id}/settings/", "course-settings")
    teacher.open(f"/courses/{course_id}/roster/", "course-roster")
    return course_id, join_code


def create_assignment(teacher: Visit, course_id: int) -> int:
    """The assignment through the editor, with its two questions, published; its id."""
    page = teacher.page
    teacher.open(f"/assignments/course/{course_id}/new/", "assignment-new")
    field(page, "Title").fill(TITLE)
    due = datetime.now() + timedelta(days=7)  # a week ahead in any time zone: nobody is late
    field(page, "Due").fill(due.strftime("%Y-%m-%dT%H:%M"))
    submit(page, "Create the assignment", r"/assignments/\d+/edit/$")
    teacher.check("assignment-created")
    assignment_id = int(page.url.rstrip("/").split("/")[-2])

    activate(page.get_by_role("link", name="Short text", exact=True))
    page.wait_for_url(re.compile(r"/edit/questions/new/short_text/$"))
    teacher.check("question-new-short-text")
    field(page, "Prompt").fill("What does photosynthesis need, and what does it make?")
    field(page, "Points").fill(str(TEXT_POINTS))
    field(page, "Reference answers").fill(REFERENCE)
    field(page, "Key points").fill("\n".join(KEY_POINTS))
    field(page, "Title").fill("Accuracy")
    field(page, "Level 1 title").fill("Complete")
    field(page, "Level 1 points").fill("4")
    field(page, "Level 2 title").fill("Partial")
    field(page, "Level 2 points").fill("2")
    teacher.check("question-short-text-filled")
    submit(page, "Save the question", r"/assignments/\d+/edit/$")

    activate(page.get_by_role("link", name="Single choice", exact=True))
    page.wait_for_url(re.compile(r"/edit/questions/new/single_choice/$"))
    field(page, "Prompt").fill("Which gas do plants release in daylight?")
    field(page, "Points").fill(str(CHOICE_POINTS))
    rows = page.locator("ol.choice-rows > li")
    for index, text in enumerate(["Oxygen", "Carbon dioxide", "Nitrogen"]):
        rows.nth(index).get_by_label(f"Choice {index + 1}", exact=True).fill(text)
    rows.nth(0).get_by_label("Correct").check()
    teacher.check("question-single-choice-filled")
    submit(page, "Save the question", r"/assignments/\d+/edit/$")

    activate(page.get_by_role("button", name="Publish", exact=True))
    expect_text(page.locator("main"), "Published: students can see it.")
    teacher.check("assignment-published")
    db = teacher.aula.db
    assert db.value("SELECT is_published FROM assignments_assignment WHERE id = ?", assignment_id)
    kinds = db.rows(
        "SELECT kind, points FROM assignments_question WHERE assignment_id = ? ORDER BY position",
        assignment_id,
    )
    assert [(k, cents(p)) for k, p in kinds] == [
        ("short_text", cents(TEXT_POINTS)),
        ("single_choice", cents(CHOICE_POINTS)),
    ]
    levels = db.rows(
        "SELECT c.title, l.title, l.points FROM assignments_level l "
        "JOIN assignments_criterion c ON c.id = l.criterion_id "
        "JOIN assignments_question q ON q.id = c.question_id "
        "WHERE q.assignment_id = ? ORDER BY l.points DESC",
        assignment_id,
    )
    assert [(c, lv, cents(p)) for c, lv, p in levels] == [
        ("Accuracy", "Complete", cents(4)),
        ("Accuracy", "Partial", cents(2)),
    ]
    return assignment_id


def join_and_submit(
    student: Visit, email: str, join_code: str, assignment_id: int, role: str
) -> None:
    text, choice = ANSWERS[role]
    page = student.page
    student.log_in(email)
    student.open("/courses/join/", "join")
    field(page, "Join code").fill(join_code)
    submit(page, "Join", r"/courses/\d+/$")
    student.check("joined")
    student.open(f"/assignments/{assignment_id}/", "assignment")
    page.get_by_label("Your answer").fill(text)
    page.get_by_label(choice, exact=True).check()
    submit(page, "Review and submit…", r"/submit/$")
    student.check("review")
    submit(page, "Submit attempt 1", r"/assignments/submissions/\d+/$")
    student.check("submitted")


def focus_answer(teacher: Visit, answer_id: int) -> None:
    """Press j until the queue's current answer is `answer_id` (the keyboard, nothing else)."""
    page = teacher.page
    for _ in range(page.locator("[data-queue-item]").count() + 1):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == (
            f"answer-{answer_id}"
        ):
            return
        page.keyboard.press("j")
    raise AssertionError(f"j never reached answer {answer_id}")


def test_teacher_creates_grades_releases_and_exports(aula: LiveAula, visitor: type[Visit]) -> None:
    db = aula.db
    teacher = visitor("teacher")
    teacher.log_in(TEACHER)
    course_id, join_code = create_course(teacher)
    assignment_id = create_assignment(teacher, course_id)
    text_question = db.value(
        "SELECT id FROM assignments_question WHERE assignment_id = ? AND kind = 'short_text'",
        assignment_id,
    )

    emails = [
        email
        for (email,) in db.rows(
            "SELECT DISTINCT u.email FROM accounts_user u "
            "JOIN courses_enrollment e ON e.user_id = u.id WHERE e.role = 'student' "
            "ORDER BY u.email LIMIT 3"
        )
    ]
    assert len(emails) == 3
    by_role = dict(zip(ANSWERS, emails, strict=True))
    for role, email in by_role.items():
        join_and_submit(visitor(f"student-{role}"), email, join_code, assignment_id, role)
    answer_of = {
        role: db.value(
            "SELECT a.id FROM assignments_answer a "
            "JOIN assignments_submission s ON s.id = a.submission_id "
            "JOIN accounts_user u ON u.id = s.student_id "
            "WHERE u.email = ? AND a.question_id = ? AND s.status = 'submitted'",
            email,
            text_question,
        )
        for role, email in by_role.items()
    }
    assert all(answer_of.values()), answer_of

    # The worker scores the three text answers with the similarity fallback (no model yet).
    def suggestions() -> list[tuple[Any, ...]]:
        rows = db.rows(
            "SELECT g.answer_id, g.points FROM grading_grade g "
            "WHERE g.state = 'suggested' AND g.source = 'model' AND g.answer_id IN (?, ?, ?)",
            *answer_of.values(),
        )
        return rows if len(rows) == 3 else []

    suggested = {
        answer: cents(points)
        for answer, points in wait_for(
            suggestions, timeout=SCORING_TIMEOUT, what="the AI suggestions", every=1
        )
    }

    page = teacher.page
    teacher.open(f"/ml/questions/{text_question}/queue/", "queue")
    accept_buttons = page.locator("[data-queue-accept]")
    assert accept_buttons.count() == 3
    assert page.locator(".ai-suggestion").count() == 3

    good, weak = answer_of["good"], answer_of["weak"]
    focus_answer(teacher, good)
    page.keyboard.press("a")
    expect_text(page.locator(f"#answer-{good}"), "Saved: accepted.")
    teacher.check("queue-accepted")

    focus_answer(teacher, weak)
    page.keyboard.press("e")
    assert page.evaluate(
        f"() => document.activeElement.closest('#answer-{weak} [data-queue-points]') !== null"
    )
    page.keyboard.type(str(EDITED_POINTS))
    page.keyboard.press("Enter")
    expect_text(page.locator(f"#answer-{weak}"), "Saved: edited.")
    teacher.check("queue-edited")

    grades = {
        answer: (state, source, cents(points), actor)
        for answer, state, source, points, actor in db.rows(
            "SELECT g.answer_id, g.state, g.source, g.points, u.email FROM grading_grade g "
            "LEFT JOIN accounts_user u ON u.id = g.graded_by_id WHERE g.answer_id IN (?, ?, ?)",
            *answer_of.values(),
        )
    }
    assert grades[good] == ("draft", "teacher", suggested[good], TEACHER)
    assert grades[weak] == ("draft", "teacher", EDITED_POINTS, TEACHER)
    middling = answer_of["middling"]
    assert grades[middling][:3] == ("suggested", "model", suggested[middling])
    for answer, to_points in ((good, suggested[good]), (weak, EDITED_POINTS)):
        events = db.rows(
            "SELECT e.from_state, e.to_state, e.from_points, e.to_points, e.source, u.email "
            "FROM grading_gradeevent e JOIN grading_grade g ON g.id = e.grade_id "
            "LEFT JOIN accounts_user u ON u.id = e.actor_id "
            "WHERE g.answer_id = ? ORDER BY e.id",
            answer,
        )
        assert events[0][:2] == ("", "suggested"), events
        assert events[-1][0:2] == ("suggested", "draft"), events
        assert cents(events[-1][2]) == suggested[answer], events
        assert cents(events[-1][3]) == to_points, events
        assert events[-1][4:] == ("teacher", TEACHER), events

    # Release: the confirmation box, then the button; the middling suggestion stays unreleased.
    drafts = db.value(
        "SELECT COUNT(*) FROM grading_grade g JOIN assignments_answer a ON a.id = g.answer_id "
        "JOIN assignments_submission s ON s.id = a.submission_id "
        "WHERE s.assignment_id = ? AND g.state = 'draft'",
        assignment_id,
    )
    assert drafts == 5  # three single-choice rule grades and the two teacher drafts
    teacher.open(f"/assignments/{assignment_id}/release/", "release")
    field(page, f"Yes, release these {drafts} grades to the students").check()
    activate(page.get_by_role("button", name=f"Release {drafts} grades"))
    expect_text(page.locator(".messages"), f"{drafts} grades released.")
    teacher.check("released")
    states = dict(
        db.rows(
            "SELECT g.state, COUNT(*) FROM grading_grade g "
            "JOIN assignments_answer a ON a.id = g.answer_id "
            "JOIN assignments_submission s ON s.id = a.submission_id "
            "WHERE s.assignment_id = ? GROUP BY g.state",
            assignment_id,
        )
    )
    assert states == {"released": drafts, "suggested": 1}
    assert (
        db.value(
            "SELECT COUNT(*) FROM grading_gradeevent e "
            "JOIN grading_grade g ON g.id = e.grade_id WHERE g.state = 'released' "
            "AND e.to_state = 'released' AND g.released_at IS NOT NULL "
            "AND g.answer_id IN (SELECT a.id FROM assignments_answer a "
            "JOIN assignments_submission s ON s.id = a.submission_id WHERE s.assignment_id = ?)",
            assignment_id,
        )
        == drafts
    )

    teacher.open(f"/courses/{course_id}/gradebook/", "gradebook")
    with page.expect_download() as download_info:
        activate(page.get_by_role("link", name="Download as CSV"))
    download = download_info.value
    content = download.path().read_text(encoding="utf-8")
    check_csv(db, content, course_id=course_id, assignment_id=assignment_id)
    teacher.open(f"/assignments/{assignment_id}/analytics/", "analytics")


def expect_text(locator: Any, text: str) -> None:
    expect(locator).to_contain_text(text, timeout=30_000)


def check_csv(db: Any, content: str, *, course_id: int, assignment_id: int) -> None:
    """Every active student of the course has a row whose figures are the database's own: the
    assignment's points are the sum of the counted (draft or released) grades of the latest
    submitted attempt, as `gradebook_for_course` counts them; no late penalty (not yet due)."""
    reader = csv.reader(io.StringIO(content))
    header, *lines = list(reader)
    possible = cents(
        db.value(
            "SELECT SUM(points) FROM assignments_question WHERE assignment_id = ?", assignment_id
        )
    )
    assert possible == cents(TEXT_POINTS + CHOICE_POINTS)
    column = f"{TITLE} ({possible} pts)"
    assert header == ["Student", "E-mail", column, "Uncategorised (%)", "Total (%)"], header
    students = db.rows(
        "SELECT u.id, u.email, u.display_name FROM courses_enrollment e "
        "JOIN accounts_user u ON u.id = e.user_id "
        "WHERE e.course_id = ? AND e.role = 'student' AND e.is_active = 1 ORDER BY u.email",
        course_id,
    )
    assert len(students) == 3
    rows = {line[1]: dict(zip(header, line, strict=True)) for line in lines}
    assert sorted(rows) == [email for _, email, _ in students]
    for student_id, email, name in students:
        row = rows[email]
        assert row["Student"] == (name or email)
        submission, minutes_late = db.rows(
            "SELECT id, minutes_late FROM assignments_submission WHERE assignment_id = ? "
            "AND student_id = ? AND status = 'submitted' ORDER BY attempt DESC LIMIT 1",
            assignment_id,
            student_id,
        )[0]
        assert not minutes_late
        counted = db.rows(
            "SELECT g.points FROM grading_grade g JOIN assignments_answer a ON a.id = g.answer_id "
            "WHERE a.submission_id = ? AND g.state IN ('draft', 'released')",
            submission,
        )
        assert counted, email
        earned = cents(sum((Decimal(str(points)) for (points,) in counted), Decimal(0)))
        percent = cents(100 * earned / possible)
        assert Decimal(row[column]) == earned, (email, row, earned)
        assert Decimal(row["Uncategorised (%)"]) == percent, (email, row)
        assert Decimal(row["Total (%)"]) == percent, (email, row)
