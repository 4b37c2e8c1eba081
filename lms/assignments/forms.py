"""The student's answer form: one field per question, built from the assignment's questions.

The form checks the shape of what was typed (a number that parses, a text within its limit, an
option of this question) so that each problem is shown beside its question; the services in
`lms.assignments.services` then decide everything else (open, closed, attempts) and re-check it all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from lms.assignments.answers import NUMBER_LIMIT, Answers
from lms.assignments.models import Answer, Question

ESSAY_ROWS = 10


def field_name(question: Question) -> str:
    return f"q{question.id}"


def number_step(tolerance: Decimal) -> str:
    """The input's step: the decimal place of the tolerance's last significant digit.

    An answer within ± 0.05 is typed to the hundredth, so the step is 0.01; a tolerance of 2 gives
    1, and an exact answer (tolerance 0) any precision at all.
    """
    if tolerance <= 0:
        return "any"
    exponent = tolerance.normalize().as_tuple().exponent
    assert isinstance(exponent, int)  # a positive finite Decimal
    return format(Decimal(1).scaleb(min(exponent, 0)), "f")


def number_text(number: Decimal | None) -> str:
    """A stored answer (six decimals) as the student would type it: 9.800000 -> 9.8."""
    if number is None:
        return ""
    return format(number.normalize(), "f")


class AnswerTextField(forms.CharField):
    """Text as typed, with the browser's CRLF line breaks counted as one character each, the way
    the student's character counter counts them, and the question's limit checked here."""

    def __init__(self, *, limit: int, **kwargs: Any) -> None:
        self.limit = limit
        super().__init__(required=False, strip=False, **kwargs)

    def to_python(self, value: Any) -> str:
        text = super().to_python(value) or ""
        return text.replace("\r\n", "\n")

    def validate(self, value: Any) -> None:
        super().validate(value)
        if len(value) > self.limit:
            raise ValidationError(
                f"This answer is {len(value):,} characters long; the limit is {self.limit:,}. "
                "Shorten it and try again.",
                code="too_long",
            )


class AnswerNumberField(forms.CharField):
    """A number as text: what was typed is re-shown untouched when it does not parse."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(required=False, **kwargs)

    def clean(self, value: Any) -> Decimal | None:
        text: str = super().clean(value)
        if not text:
            return None
        try:
            number = Decimal(text.replace(" ", ""))
        except InvalidOperation as error:
            raise ValidationError(
                f"“{text}” is not a number. Type digits, with a point for decimals (9.81).",
                code="invalid",
            ) from error
        if not number.is_finite() or abs(number) >= NUMBER_LIMIT:
            raise ValidationError(
                "Enter a finite number of at most 14 digits before the point.", code="invalid"
            )
        return number


def _choice_field(question: Question) -> forms.Field:
    options = [(choice.id, choice.text) for choice in question.choices.all()]
    if question.kind == Question.Kind.SINGLE_CHOICE:
        return forms.TypedChoiceField(
            choices=options,
            coerce=int,
            empty_value=None,
            required=False,
            widget=forms.RadioSelect,
            help_text="Choose one.",
        )
    return forms.TypedMultipleChoiceField(
        choices=options,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Choose every option that applies.",
    )


def _field_for(question: Question) -> forms.Field:
    if question.is_choice:
        return _choice_field(question)
    if question.kind == Question.Kind.NUMERIC:
        step = number_step(question.numeric_tolerance)
        number_input = forms.NumberInput(attrs={"step": step, "inputmode": "decimal"})
        return AnswerNumberField(
            widget=number_input, help_text="A number, with a point for decimals."
        )
    limit = question.answer_limit
    # The help text doubles as the character counter (static/js/assignments.js updates it).
    counter = {"data-char-limit": str(limit)}
    help_text = f"Up to {limit:,} characters."
    if question.kind == Question.Kind.ESSAY:
        widget: forms.Widget = forms.Textarea(attrs={"rows": ESSAY_ROWS, **counter})
    else:
        widget = forms.TextInput(attrs={"autocomplete": "off", **counter})
    return AnswerTextField(limit=limit, widget=widget, help_text=help_text)


def initial_from(answers: Iterable[Answer]) -> dict[str, Any]:
    """Form initial values from saved answers (their choices prefetched)."""
    initial: dict[str, Any] = {}
    for answer in answers:
        question = answer.question
        chosen = [choice.id for choice in answer.choices.all()]
        if question.kind == Question.Kind.SINGLE_CHOICE:
            value: Any = chosen[0] if chosen else None
        elif question.kind == Question.Kind.MULTIPLE_CHOICE:
            value = chosen
        elif question.kind == Question.Kind.NUMERIC:
            value = number_text(answer.number)
        else:
            value = answer.text
        initial[field_name(question)] = value
    return initial


class AnswersForm(forms.Form):
    """Every question of one assignment, in order; `to_answers()` gives the services' payload."""

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        *,
        questions: Sequence[Question],
        initial: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(data, initial=initial)
        self.questions = list(questions)
        for question in self.questions:
            self.fields[field_name(question)] = _field_for(question)

    def to_answers(self) -> Answers:
        """The cleaned answers as `submission_save_draft` and `submission_submit` take them.

        An unanswered single-choice or number question is left out rather than sent empty:
        the services refuse an empty one, and "not answered yet" is what it means. Text and
        multiple-choice answers are always sent, so clearing them in a draft sticks.
        """
        answers: dict[int | str, Mapping[str, Any]] = {}
        for question in self.questions:
            value = self.cleaned_data.get(field_name(question))
            if question.is_choice:
                chosen = [value] if isinstance(value, int) else list(value or [])
                if chosen or question.kind == Question.Kind.MULTIPLE_CHOICE:
                    answers[question.id] = {"choice_ids": chosen}
            elif question.kind == Question.Kind.NUMERIC:
                if value is not None:
                    answers[question.id] = {"number": value}
            else:
                answers[question.id] = {"text": value or ""}
        return answers

    def rows(self) -> list[tuple[int, Question, forms.BoundField]]:
        """(number, question, bound field) in order, for the template."""
        return [
            (index, question, self[field_name(question)])
            for index, question in enumerate(self.questions, start=1)
        ]
