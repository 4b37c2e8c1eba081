"""Scenario 3 of issue 5: a student cannot open another student's submission or any teacher page.

Through the browser, as the demo's students: their own pages open (and pass axe); another
student's submission and its feedback partial are 404, the grading queue, the model page and the
course's teacher pages are refused (403 or 404), and the admin sends them to its log-in. None of
those pages shows a word of the other student's answers.
"""

from __future__ import annotations

import html

import pytest

from tests.e2e.conftest import LiveAula, Visit

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

REFUSED = (403, 404)


def two_students_with_submissions(aula: LiveAula) -> list[tuple[str, int]]:
    """(e-mail, submission id) of two demo students who submitted a text answer."""
    rows = aula.db.rows(
        "SELECT u.email, s.id FROM assignments_submission s "
        "JOIN accounts_user u ON u.id = s.student_id "
        "WHERE s.status = 'submitted' AND EXISTS (SELECT 1 FROM assignments_answer a "
        "JOIN assignments_question q ON q.id = a.question_id "
        "WHERE a.submission_id = s.id AND q.kind IN ('short_text', 'essay') "
        "AND length(a.text) > 40) "
        "ORDER BY u.email, s.id"
    )
    seen: dict[str, int] = {}
    for email, submission_id in rows:
        seen.setdefault(email, submission_id)
    assert len(seen) >= 2, "the demo should have two students with submitted text answers"
    return list(seen.items())[:2]


def test_a_student_cannot_see_another_students_work_or_teacher_pages(
    aula: LiveAula, visitor: type[Visit]
) -> None:
    (me, mine), (other, theirs) = two_students_with_submissions(aula)
    their_texts = [
        text
        for (text,) in aula.db.rows(
            "SELECT text FROM assignments_answer WHERE submission_id = ? AND length(text) > 40",
            theirs,
        )
    ]
    secrets = [html.escape(text[:40], quote=False) for text in their_texts]
    assert secrets, f"{other} has no text answer"
    question_id, course_id = aula.db.rows(
        "SELECT q.id, a.course_id FROM assignments_question q "
        "JOIN assignments_assignment a ON a.id = q.assignment_id "
        "JOIN assignments_answer ans ON ans.question_id = q.id "
        "WHERE ans.submission_id = ? LIMIT 1",
        theirs,
    )[0]
    assignment_id = aula.db.value(
        "SELECT assignment_id FROM assignments_submission WHERE id = ?", theirs
    )

    student = visitor("student")
    student.log_in(me)
    student.open(f"/assignments/submissions/{mine}/", "own-submission")

    refused = {
        f"/assignments/submissions/{theirs}/": "other-submission",
        f"/assignments/submissions/{theirs}/feedback/": "other-feedback",
        f"/ml/questions/{question_id}/queue/": "queue",
        f"/ml/questions/{question_id}/model/": "model",
        f"/courses/{course_id}/gradebook/": "gradebook",
        f"/courses/{course_id}/gradebook.csv": "gradebook-csv",
        f"/assignments/{assignment_id}/release/": "release",
    }
    for path, name in refused.items():
        response = student.page.goto(aula.base + path)
        assert response is not None
        assert response.status in REFUSED, (path, response.status)
        body = student.page.content()
        for secret in secrets:
            assert secret not in body, (path, secret)
        student.check(f"refused-{name}")

    student.page.goto(aula.base + "/admin/")
    assert "/admin/login/" in student.page.url  # not staff: the admin asks for another account
    body = student.page.content()
    assert "Site administration" not in body
    assert "not authorized" in body
    for secret in secrets:
        assert secret not in body
