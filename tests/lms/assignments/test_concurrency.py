"""Two submits of one student at once must not take the same attempt number."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction

from lms.accounts.models import User
from lms.assignments.models import Submission
from lms.assignments.services import submission_submit
from lms.courses.models import Course
from tests.lms.quiz import ON_TIME, make_quiz

HOLD_SECONDS = 0.5


@pytest.mark.django_db(transaction=True)
def test_a_second_submit_waits_for_the_first_and_takes_the_next_attempt(
    teacher: User, course: Course, student: User
) -> None:
    assignment = make_quiz(teacher, course).assignment
    first_in = threading.Event()
    results: dict[str, object] = {}

    def first() -> None:
        try:
            with transaction.atomic():
                submission_submit(student=student, assignment=assignment, answers={}, now=ON_TIME)
                first_in.set()
                time.sleep(HOLD_SECONDS)  # hold the transaction open while the second arrives
        finally:
            connection.close()

    def second() -> None:
        first_in.wait(10)
        started = time.monotonic()
        try:
            submission = submission_submit(
                student=student, assignment=assignment, answers={}, now=ON_TIME
            )
            results["attempt"] = submission.attempt
        except Exception as error:  # reported by the assertion below
            results["error"] = error
        finally:
            results["waited"] = time.monotonic() - started
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert "error" not in results, results
    assert results["attempt"] == 2
    assert results["waited"] >= HOLD_SECONDS * 0.8  # it queued behind the first transaction
    assert sorted(Submission.objects.values_list("attempt", flat=True)) == [1, 2]
