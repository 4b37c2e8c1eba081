"""A published quiz with one question of every kind, built through the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from lms.accounts.models import User
from lms.assignments.models import Assignment, Question
from lms.assignments.services import assignment_create, assignment_publish, question_create
from lms.courses.models import Course

OPENS = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
DUE = datetime(2026, 9, 8, 23, 59, tzinfo=UTC)
LOCK = datetime(2026, 9, 15, 23, 59, tzinfo=UTC)
ON_TIME = DUE - timedelta(days=1)


@dataclass
class Quiz:
    assignment: Assignment
    single: Question
    multiple: Question
    numeric: Question
    short: Question
    essay: Question

    def right_answers(self) -> dict[int, dict[str, object]]:
        return {
            self.single.id: {"choice_ids": [self.single.choices.get(is_correct=True).id]},
            self.multiple.id: {
                "choice_ids": list(
                    self.multiple.choices.filter(is_correct=True).values_list("id", flat=True)
                )
            },
            self.numeric.id: {"number": "9.8"},
            self.short.id: {"text": "  Chlorophyll "},
            self.essay.id: {"text": "Plants turn light into sugar."},
        }


def make_quiz(teacher: User, course: Course, **fields: object) -> Quiz:
    fields = {"opens_at": OPENS, "due_at": DUE, "lock_at": LOCK, "max_attempts": 2} | fields
    assignment = assignment_create(actor=teacher, course=course, title="Quiz 1", **fields)
    single = question_create(
        actor=teacher,
        assignment=assignment,
        kind=Question.Kind.SINGLE_CHOICE,
        prompt="Which gas do plants take in?",
        points=1,
        choices=[{"text": "CO2", "is_correct": True}, {"text": "O2"}, {"text": "N2"}],
    )
    multiple = question_create(
        actor=teacher,
        assignment=assignment,
        kind=Question.Kind.MULTIPLE_CHOICE,
        prompt="Which are mammals?",
        points=3,
        choices=[
            {"text": "Whale", "is_correct": True},
            {"text": "Bat", "is_correct": True},
            {"text": "Human", "is_correct": True},
            {"text": "Shark"},
            {"text": "Eagle"},
        ],
    )
    numeric = question_create(
        actor=teacher,
        assignment=assignment,
        kind=Question.Kind.NUMERIC,
        prompt="g in m/s²?",
        points=2,
        numeric_answer=Decimal("9.81"),
        numeric_tolerance=Decimal("0.05"),
    )
    short = question_create(
        actor=teacher,
        assignment=assignment,
        kind=Question.Kind.SHORT_TEXT,
        prompt="The green pigment?",
        points=1,
        accepted_answers=["chlorophyll"],
        max_chars=40,
    )
    essay = question_create(
        actor=teacher,
        assignment=assignment,
        kind=Question.Kind.ESSAY,
        prompt="Explain photosynthesis.",
        points=4,
        reference_answers=["Light energy makes glucose from CO2 and water."],
    )
    assignment_publish(actor=teacher, assignment=assignment)
    return Quiz(assignment, single, multiple, numeric, short, essay)
