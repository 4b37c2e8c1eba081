"""Every main page the three scenarios do not pass through, opened in the browser: axe-core finds
no serious or critical violation on any of them and each is photographed (through `Visit`).

The demo's teacher tours the course, an assignment's editor, the grading queue and model page,
analytics, the gradebook and release pages; a demo student tours the dashboard, the course, an
assignment, a submission with its feedback, My grades and the notifications; both open their
profile and the password-change form. Each page must also show what it is for (a heading or a
known label), so that a page which renders an empty shell fails here too.
"""

from __future__ import annotations

import pytest

from tests.e2e.conftest import LiveAula, Visit

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

TEACHER = "teacher@example.com"


def demo_ids(aula: LiveAula) -> dict[str, int | str]:
    """A course, a published assignment with a text question, and a student who submitted it."""
    course_id = aula.db.value("SELECT id FROM courses_course ORDER BY id LIMIT 1")
    row = aula.db.rows(
        "SELECT s.id, s.assignment_id, u.email, q.id FROM assignments_submission s "
        "JOIN accounts_user u ON u.id = s.student_id "
        "JOIN assignments_answer a ON a.submission_id = s.id "
        "JOIN assignments_question q ON q.id = a.question_id "
        "JOIN assignments_assignment x ON x.id = s.assignment_id "
        "WHERE s.status = 'submitted' AND q.kind IN ('short_text', 'essay') "
        "AND x.course_id = ? ORDER BY s.id LIMIT 1",
        course_id,
    )[0]
    submission_id, assignment_id, email, question_id = row
    return {
        "course": course_id,
        "assignment": assignment_id,
        "submission": submission_id,
        "question": question_id,
        "student": email,
    }


def heading(visit: Visit, text: str) -> None:
    """The page's first-level heading says `text` (part of it)."""
    h1 = visit.page.get_by_role("heading", level=1).first.inner_text()
    assert text.lower() in h1.lower(), (visit.page.url, h1)


def test_every_main_page_passes_axe_and_is_photographed(
    aula: LiveAula, visitor: type[Visit]
) -> None:
    ids = demo_ids(aula)
    course, assignment = ids["course"], ids["assignment"]

    teacher = visitor("tour-teacher")
    teacher.log_in(TEACHER)
    teacher.open("/", "dashboard")
    heading(teacher, "Dashboard")
    teacher.open(f"/courses/{course}/", "course")
    assert teacher.page.get_by_role("heading", name="Teaching").is_visible()
    teacher.open(f"/assignments/{assignment}/", "assignment-preview")
    teacher.open(f"/assignments/{assignment}/edit/", "assignment-editor")
    teacher.open(f"/assignments/{assignment}/edit/extensions/", "extensions")
    teacher.open(f"/ml/questions/{ids['question']}/queue/", "grading-queue")
    teacher.open(f"/ml/questions/{ids['question']}/model/", "model-page")
    teacher.open(f"/assignments/{assignment}/analytics/", "analytics")
    heading(teacher, "Analytics")
    teacher.open(f"/courses/{course}/gradebook/", "gradebook")
    heading(teacher, "Gradebook")
    teacher.open(f"/assignments/{assignment}/release/", "release")
    teacher.open(f"/assignments/submissions/{ids['submission']}/", "teacher-submission")
    teacher.open("/accounts/profile/", "profile")
    teacher.open("/accounts/password/change/", "password-change")
    teacher.open("/notifications/", "teacher-notifications")

    student = visitor("tour-student")
    student.log_in(str(ids["student"]))
    student.open("/", "dashboard")
    assert student.page.get_by_role("heading", name="Due in the next 7 days").is_visible()
    assert student.page.get_by_role("heading", name="Latest work and feedback").is_visible()
    student.open(f"/courses/{course}/", "course")
    assert student.page.locator("[class*='badge status-']").count() >= 1
    student.open(f"/assignments/{assignment}/", "assignment")
    student.open(f"/assignments/submissions/{ids['submission']}/", "submission")
    student.open("/grades/", "my-grades")
    student.open(f"/grades/courses/{course}/", "my-course-grades")
    student.open("/notifications/", "notifications")
    student.open("/accounts/profile/", "profile")
    student.open("/courses/join/", "join")


PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


def no_sideways_scroll(visit: Visit) -> None:
    """The page fits a phone's width: only tables may scroll, inside their own box."""
    overflow = visit.page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 1, (visit.page.url, overflow)


def test_main_pages_fit_a_phone(aula: LiveAula, visitor: type[Visit]) -> None:
    ids = demo_ids(aula)
    course, assignment = ids["course"], ids["assignment"]
    student = visitor("phone-student", **PHONE)
    student.log_in(str(ids["student"]))
    for path, name in [
        ("/", "dashboard"),
        (f"/courses/{course}/", "course"),
        (f"/assignments/{assignment}/", "assignment"),
        (f"/assignments/submissions/{ids['submission']}/", "submission"),
        ("/grades/", "my-grades"),
        ("/notifications/", "notifications"),
    ]:
        student.open(path, name)
        no_sideways_scroll(student)
    teacher = visitor("phone-teacher", **PHONE)
    teacher.log_in(TEACHER)
    for path, name in [
        (f"/courses/{course}/gradebook/", "gradebook"),
        (f"/ml/questions/{ids['question']}/queue/", "grading-queue"),
        (f"/assignments/{assignment}/edit/", "assignment-editor"),
        (f"/assignments/{assignment}/analytics/", "analytics"),
    ]:
        teacher.open(path, name)
        no_sideways_scroll(teacher)
