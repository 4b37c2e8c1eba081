"""The shapes of the demo course's content: plain frozen data, no Django.

The seed (`lms.core.demo.seed`) turns these into rows through the services; the content modules
beside this one fill them in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal


@dataclass(frozen=True)
class Person:
    email: str
    display_name: str


@dataclass(frozen=True)
class TextAnswer:
    """One student's answer to a text question, with the grade the teacher gives it.

    `comment` is set on about half of them: those are the answers the teacher has graded when
    the demo starts; the others wait in the grading queue, their `score` kept here as the grade
    the teacher would give (what a model's suggestion can be checked against).
    """

    text: str
    score: int
    comment: str = ""
    # Rubric questions only: the points of the level reached on each criterion, in order.
    levels: tuple[int, ...] = ()


def essay(text: str, levels: tuple[int, ...], comment: str = "") -> TextAnswer:
    """A rubric-graded answer: its score is the sum of the levels reached."""
    return TextAnswer(text=text, score=sum(levels), comment=comment, levels=levels)


@dataclass(frozen=True)
class Choice:
    text: str
    correct: bool = False


@dataclass(frozen=True)
class Level:
    points: int
    title: str
    description: str


@dataclass(frozen=True)
class Criterion:
    title: str
    description: str
    levels: tuple[Level, ...]


@dataclass(frozen=True)
class Review:
    """What the teacher decides on a short-text answer that matched no accepted answer."""

    points: int
    comment: str


# A student's response to an objective question: choice positions, a number, or a short text.
Response = tuple[int, ...] | Decimal | str


@dataclass(frozen=True)
class Question:
    kind: str
    prompt: str
    points: int
    skills: tuple[str, ...]
    choices: tuple[Choice, ...] = ()
    numeric_answer: Decimal | None = None
    numeric_tolerance: Decimal = Decimal(0)
    reference_answers: tuple[str, ...] = ()
    key_points: tuple[str, ...] = ()
    accepted_answers: tuple[str, ...] = ()
    max_chars: int | None = None
    rubric: tuple[Criterion, ...] = ()
    # Text questions with a written pool: one answer per submitted attempt, in attempt order.
    answers: tuple[TextAnswer, ...] = ()
    # Objective questions: what students answer, with relative weights for a seeded draw.
    responses: tuple[tuple[Response, int], ...] = ()
    # Short text: the teacher's decision on answers the accepted list does not match, by text.
    reviews: dict[str, Review] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """Who has submitted what, and when, relative to the assignment's own times.

    Students are named by their position in `people.STUDENTS`. Every student not in `absent`
    submits a first attempt; the students with the weakest first attempts (by the teacher's
    scores of the written answers) submit a second one, as many as the answer pools have answers
    left after the first attempts.
    """

    absent: tuple[int, ...] = ()
    late: tuple[int, ...] = ()
    # (student, days after the assignment's due time, reason) for an extension granted.
    extension: tuple[int, int, str] | None = None
    # Graded answers are released to students (the past-due assignment) or stay drafts.
    release: bool = False


@dataclass(frozen=True)
class Assignment:
    title: str
    category: str
    instructions: str
    # Days from the seed day (negative: in the past); a time of day is added by the seed.
    opens_day: int
    due_day: int
    lock_day: int | None
    max_attempts: int | None
    attempt_scoring: str
    published: bool
    release_policy: str
    late_policy: dict[str, object]
    questions: tuple[Question, ...]
    plan: Plan | None = None
