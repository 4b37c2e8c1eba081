"""The AI feedback loop in `make run` (SQLite, filesystem broker, one worker) on the demo course.

Everything goes through the pages, as people would use them: a student submits the homework and
sees AI feedback within seconds; the teacher grades the question's remaining answers from its
grading queue, starts a retraining on its model page, and the run's outcome is what the promotion
rule decided on held-out teacher grades (never forced). Issue 4 asks that the retrained version be
better and promoted, so the test fails when the rule keeps the fallback; the promoted version then
scores the next student's answer.

The supervisor runs with a retrain threshold no class reaches, so that beat starts no training by
itself: with the demo's grades it would start one run per text question at once, and the single
embedded worker trains them one after the other for minutes (about ten with the demo, measured),
during which no answer is scored. The teacher starts the run here, as the scenario says.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import time
import urllib.parse
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from lms.core.demo.answers_ring_of_fire import RING_OF_FIRE
from tests.integration.test_run_script import (
    CSRF_TOKEN,
    DEMO_PASSWORD,
    START_TIMEOUT_SECONDS,
    Browser,
    supervisor,  # noqa: F401 (a fixture, used through `loop_stack`)
)
from tests.integration.workers import wait_for

pytestmark = [pytest.mark.integration, pytest.mark.slow]

FEEDBACK_SECONDS = 10.0  # issue 5's end-to-end bound for "within seconds"
BACKLOG_SECONDS = 300.0  # the demo's own submissions, scored when the worker starts
TRAINING_SECONDS = 300.0
RING_OF_FIRE_PROMPT = "Most of the world's earthquakes and volcanoes happen in a ring%"
GOOD_ANSWER = (
    "The edges of the Pacific are boundaries between tectonic plates. The plates collide and the "
    "ocean plate sinks under the other one, so stress builds up and is released as earthquakes. "
    "The sinking plate melts and the magma rises to make volcanoes."
)
WEAK_ANSWER = "Because it is hot near the Pacific."
DEMO_SCORES = {answer.text: answer.score for answer in RING_OF_FIRE}
# A retrain threshold no class here reaches (the model page takes at most 10,000).
NO_THRESHOLD = "10000"
FEEDBACK_STATE = re.compile(r'data-feedback-state="(\w+)"')


@pytest.fixture
def loop_stack(
    monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> tuple[subprocess.Popen[bytes], str, Path]:
    """`make run`'s supervisor (test_run_script's fixture, which stops it) with no threshold
    retraining."""
    monkeypatch.setenv("AULA_RETRAIN_THRESHOLD", NO_THRESHOLD)
    stack: tuple[subprocess.Popen[bytes], str, Path] = request.getfixturevalue("supervisor")
    return stack


class Database:
    """Read-only looks at the supervisor's SQLite file, for ids and to wait on the worker."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=20) as db:
            return db.execute(sql, params).fetchall()

    def value(self, sql: str, *params: Any) -> Any:
        rows = self.rows(sql, *params)
        return rows[0][0] if rows else None


class Person(Browser):
    """test_run_script's browser, logged in, posting with the CSRF token of a page it read."""

    def __init__(self, base: str, email: str) -> None:
        super().__init__(base)
        status, url, _ = self.post_form(
            "/accounts/login/", {"username": email, "password": DEMO_PASSWORD}
        )
        assert status == 200
        assert not url.endswith("/accounts/login/"), f"{email} cannot log in"

    def post(self, path: str, fields: dict[str, str], token_from: str) -> tuple[int, str, str]:
        _, page = self.get(token_from)
        token = CSRF_TOKEN.search(page)
        assert token, page[:500]
        return self._send(path, {"csrfmiddlewaretoken": token.group(1), **fields})

    def _send(self, path: str, fields: dict[str, str]) -> tuple[int, str, str]:
        data = urllib.parse.urlencode(fields).encode()
        with self.opener.open(self.base + path, data=data, timeout=60) as response:
            return response.status, response.geturl(), response.read().decode()


def feedback_on(html: str, number: int) -> str:
    """The feedback partial's article about question `number` (the homework has two text
    questions; the other one is left empty here)."""
    for article in html.split("<article")[1:]:
        if re.search(rf"Question {number}\b", article):
            return article
    raise AssertionError(f"no feedback on question {number}: {html[:2000]}")


def wait_until_idle(db: Database) -> None:
    """Every submitted text answer scored and no training run in flight."""

    def idle() -> bool:
        unscored = db.value(
            "SELECT COUNT(*) FROM assignments_answer a "
            "JOIN assignments_question q ON q.id = a.question_id "
            "JOIN assignments_submission s ON s.id = a.submission_id "
            "WHERE q.kind IN ('short_text', 'essay') AND s.status = 'submitted' "
            "AND NOT EXISTS (SELECT 1 FROM mlcore_prediction p WHERE p.answer_id = a.id)"
        )
        running = db.value(
            "SELECT COUNT(*) FROM mlcore_trainingrun WHERE status IN ('queued', 'running')"
        )
        return unscored == 0 and running == 0

    wait_for(idle, timeout=BACKLOG_SECONDS, what="the worker to score the demo", every=1)


def submit_and_time_feedback(
    student: Person, assignment_id: int, question_id: int, text: str
) -> tuple[float, str]:
    """Answer the question, review, submit; seconds until the page's AI feedback is shown."""
    detail = f"/assignments/{assignment_id}/"
    status, url, _ = student.post(detail, {f"q{question_id}": text, "review": "1"}, detail)
    assert url.endswith("/submit/"), (status, url)
    confirm = url[len(student.base) :]
    _, page = student.get(confirm)
    draft = re.search(r'name="draft" value="([^"]+)"', page)
    assert draft, page[:500]
    started = time.monotonic()
    _, url, _ = student.post(confirm, {"draft": draft.group(1)}, confirm)
    submission = re.search(r"/assignments/submissions/(\d+)/$", url)
    assert submission, url
    partial = f"/assignments/submissions/{submission.group(1)}/feedback/"

    def shown() -> str | None:
        _, html = student.get(partial)
        state = FEEDBACK_STATE.search(html)
        return html if state and state.group(1) == "ready" else None

    html = wait_for(shown, timeout=120, what="the AI feedback", every=0.05)
    return time.monotonic() - started, html


def grade_the_rest(
    teacher: Person, db: Database, question_id: int, own_scores: dict[str, int]
) -> int:
    """The teacher decides every answer of the question that has no teacher decision yet, from
    its grading queue, giving the demo's intended score (or the test's, for new answers)."""
    queue = f"/ml/questions/{question_id}/queue/"
    undecided = db.rows(
        "SELECT a.id, a.text, g.state, g.points FROM assignments_answer a "
        "JOIN assignments_submission s ON s.id = a.submission_id "
        "LEFT JOIN grading_grade g ON g.answer_id = a.id "
        "WHERE a.question_id = ? AND s.status = 'submitted' "
        "AND (g.id IS NULL OR g.state = 'suggested')",
        question_id,
    )
    for answer_id, text, state, shown in undecided:
        points = own_scores.get(text, DEMO_SCORES.get(text, 0))
        prefix = f"a{answer_id}"
        fields = {
            f"{prefix}-action": "edit" if state == "suggested" else "grade",
            f"{prefix}-points": str(points),
            f"{prefix}-comment": "",
            f"{prefix}-shown_points": "" if shown is None else str(Decimal(str(shown))),
        }
        status, _, page = teacher.post(f"{queue}{answer_id}/", fields, queue)
        assert status == 200
        assert "errorlist" not in page, page[:1000]
    return len(undecided)


def test_feedback_grading_and_retraining_in_make_run(
    loop_stack: tuple[subprocess.Popen[bytes], str, Path],
) -> None:
    process, base, var_dir = loop_stack
    db = Database(var_dir / "aula.sqlite3")
    anonymous = Browser(base)

    def login_page() -> bool:
        assert process.poll() is None, (var_dir.parent / "run.log").read_text()[-3000:]
        try:
            return anonymous.get("/accounts/login/")[0] == 200
        except OSError:
            return False

    wait_for(login_page, timeout=START_TIMEOUT_SECONDS, what="the log-in page", every=1)
    question_id, assignment_id = db.rows(
        "SELECT id, assignment_id FROM assignments_question WHERE prompt LIKE ?",
        RING_OF_FIRE_PROMPT,
    )[0]
    newcomers = [
        email
        for (email,) in db.rows(
            "SELECT u.email FROM accounts_user u JOIN courses_enrollment e ON e.user_id = u.id "
            "WHERE e.role = 'student' AND u.id NOT IN "
            "(SELECT student_id FROM assignments_submission WHERE assignment_id = ?) "
            "ORDER BY u.email",
            assignment_id,
        )
    ]
    assert len(newcomers) >= 3, "the demo's homework should have students who have not begun"
    positions = [
        pk
        for (pk,) in db.rows(
            "SELECT id FROM assignments_question WHERE assignment_id = ? ORDER BY position, id",
            assignment_id,
        )
    ]
    number = positions.index(question_id) + 1  # as the pages number it
    wait_until_idle(db)

    # 1. A student submits and the AI feedback appears within seconds, labelled as such.
    student = Person(base, newcomers[0])
    seconds, page = submit_and_time_feedback(student, assignment_id, question_id, GOOD_ANSWER)
    feedback = feedback_on(page, number)
    print(f"first feedback after {seconds:.2f} s")
    assert seconds < FEEDBACK_SECONDS
    assert "AI feedback, provisional" in feedback
    assert "No trained model yet" in feedback  # nothing trained: the similarity fallback
    assert "<mark>" in feedback  # the student's own sentences as evidence

    # 2. The teacher grades the rest from the queue, picks the MLP family and trains.
    teacher = Person(base, "teacher@example.com")
    decided = grade_the_rest(teacher, db, question_id, {GOOD_ANSWER: 4})
    assert decided >= 10
    model_page = f"/ml/questions/{question_id}/model/"
    settings = {"family": "mlp", "loss": "mse", "retrain_threshold": NO_THRESHOLD}
    _, _, page = teacher.post(model_page, {**settings, "suggestions_enabled": "on"}, model_page)
    assert "Settings saved" in page, page[:2000]
    before = db.value("SELECT COALESCE(MAX(id), 0) FROM mlcore_trainingrun")
    teacher.post(f"{model_page}train/", {}, model_page)
    run_id = db.value("SELECT MAX(id) FROM mlcore_trainingrun")
    assert run_id > before, "Train now started no run"

    # While it trains, another student's submission still gets feedback within seconds: the
    # embedded worker's second thread scores while the first one trains.
    def running() -> bool:
        status = db.value("SELECT status FROM mlcore_trainingrun WHERE id = ?", run_id)
        return status != "queued"

    wait_for(running, timeout=TRAINING_SECONDS, what="the training run to start", every=0.2)
    meanwhile = Person(base, newcomers[2])
    seconds, page = submit_and_time_feedback(meanwhile, assignment_id, question_id, WEAK_ANSWER)
    during = db.value("SELECT status FROM mlcore_trainingrun WHERE id = ?", run_id)
    print(f"feedback during training after {seconds:.2f} s (the run was {during} by then)")
    assert seconds < FEEDBACK_SECONDS
    assert "AI feedback, provisional" in feedback_on(page, number)

    def finished() -> tuple[Any, ...] | None:
        rows = db.rows(
            "SELECT status, promoted, decision, metrics, error FROM mlcore_trainingrun "
            "WHERE id = ? AND status NOT IN ('queued', 'running')",
            run_id,
        )
        return rows[0] if rows else None

    status, promoted, decision, metrics, error = wait_for(
        finished, timeout=TRAINING_SECONDS, what="the training run", every=1
    )
    assert status == "succeeded", error
    compared = json.loads(metrics)["compared"]
    print(f"run {run_id}: {decision}")
    # The outcome is the rule's, on the held-out teacher grades: shown either way.
    assert bool(promoted) == (compared["candidate"]["qwk"] > compared["baseline"]["qwk"]), decision
    version_active = db.value("SELECT is_active FROM mlcore_modelversion WHERE run_id = ?", run_id)
    assert bool(version_active) == bool(promoted)
    # Issue 4 asks that, on the demo, the retrained version is better and is promoted: the
    # decision above is the rule's own, so this fails when the trained model does not earn it.
    assert promoted, f"the retrained model did not beat the similarity fallback: {decision}"

    # 3. The promoted version scores the next student's answer, within seconds again.
    other = Person(base, newcomers[1])
    seconds, page = submit_and_time_feedback(other, assignment_id, question_id, WEAK_ANSWER)
    feedback = feedback_on(page, number)
    print(f"feedback from the trained model after {seconds:.2f} s")
    assert seconds < FEEDBACK_SECONDS
    assert "No trained model yet" not in feedback
    assert "Suggested score" in feedback
