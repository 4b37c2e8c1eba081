"""Checking a student's answers against the questions they answer, before anything is stored.

`answers` maps a question id (an int, or its digits as a form posts them) to one of
`{"text": str}`, `{"choice_ids": [int, ...]}` or `{"number": Decimal | int | float | str}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from lms.assignments.models import Question

Answers = Mapping[int | str, Mapping[str, Any]]

# Answer.number is DECIMAL(20, 6): 14 digits before the point.
NUMBER_LIMIT = Decimal(10) ** 14
NUMBER_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class CleanAnswer:
    question: Question
    text: str = ""
    choice_ids: list[int] = field(default_factory=list)
    number: Decimal | None = None


def clean_answers(questions: list[Question], answers: Answers) -> list[CleanAnswer]:
    """Validate every answer; raise one `ValidationError` listing each problem found.

    `questions` are the assignment's questions in order, with their choices prefetched.
    """
    by_id = {question.id: question for question in questions}
    numbers = {question.id: index for index, question in enumerate(questions, start=1)}
    cleaned: list[CleanAnswer] = []
    errors: list[str] = []
    for key, payload in answers.items():
        question_id = _question_id(key)
        question = by_id.get(question_id) if question_id is not None else None
        if question is None:
            errors.append(f"Question {key} is not part of this assignment.")
            continue
        try:
            cleaned.append(_clean_one(question, payload))
        except ValidationError as error:
            errors.extend(f"Question {numbers[question.id]}: {m}" for m in error.messages)
    if errors:
        raise ValidationError(errors)
    return sorted(cleaned, key=lambda answer: numbers[answer.question.id])


def _question_id(key: int | str) -> int | None:
    if isinstance(key, bool):
        return None
    if isinstance(key, int):
        return key
    return int(key) if isinstance(key, str) and key.strip().isdigit() else None


def _clean_one(question: Question, payload: Mapping[str, Any]) -> CleanAnswer:
    if not isinstance(payload, Mapping):
        raise ValidationError("The answer is not in a form Aula understands.")
    expected = "choice_ids" if question.is_choice else "text" if question.is_text else "number"
    if set(payload) != {expected}:
        raise ValidationError(
            f"A {question.get_kind_display().lower()} question takes {expected!r} only."
        )
    value = payload[expected]
    if question.is_choice:
        return CleanAnswer(question, choice_ids=_clean_choices(question, value))
    if question.is_text:
        return CleanAnswer(question, text=_clean_text(question, value))
    return CleanAnswer(question, number=_clean_number(value))


def _clean_choices(question: Question, value: object) -> list[int]:
    if not isinstance(value, list | tuple):
        raise ValidationError("Choose from the listed options.")
    try:
        chosen = sorted({int(item) for item in value if not isinstance(item, bool)})
    except (TypeError, ValueError) as error:
        raise ValidationError("Choose from the listed options.") from error
    if len(chosen) != len(value):
        raise ValidationError("Each option can be chosen once.")
    own = {choice.id for choice in question.choices.all()}
    if not set(chosen) <= own:
        raise ValidationError("That option belongs to another question.")
    if question.kind == Question.Kind.SINGLE_CHOICE and len(chosen) != 1:
        raise ValidationError("Choose exactly one option.")
    return chosen


def _clean_text(question: Question, value: object) -> str:
    if not isinstance(value, str):
        raise ValidationError("The answer must be text.")
    limit = question.answer_limit
    if len(value) > limit:
        raise ValidationError(
            f"The answer is {len(value):,} characters long; the limit is {limit:,} characters."
        )
    return value


def _clean_number(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ValidationError("Enter a number.")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation as error:
        raise ValidationError(f"{value!r} is not a number.") from error
    if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
        raise ValidationError("Enter a finite number of at most 14 digits before the point.")
    return number.quantize(NUMBER_PLACES)
