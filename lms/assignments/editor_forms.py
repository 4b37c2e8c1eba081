"""Forms of the teacher's assignment editor: an assignment's settings, a question with its choice
and rubric rows, and a student's extension.

The forms check shape and put each problem beside its field or row, so that the teacher sees where
to look; the services in `lms.assignments.services` decide and re-check everything. Times are typed
in the teacher's own time zone (the middleware activates it) and stored in UTC.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.forms.utils import ErrorDict
from django.http import QueryDict

from lms.accounts.models import User
from lms.assignments.models import Assignment, Category, Question
from lms.assignments.services import ChoiceSpec, CriterionSpec, LevelSpec
from lms.core.forms import LinesField
from lms.courses.models import Course, Enrollment, Skill

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def datetime_input() -> forms.DateTimeInput:
    return forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT)


class AssignmentForm(forms.ModelForm):  # type: ignore[type-arg]
    """An assignment's settings; the model's own checks (due after opening, ...) run here too."""

    new_category = forms.CharField(
        label="Or a new category",
        required=False,
        max_length=100,
        help_text="Created with this assignment, for example Homework.",
    )
    new_category_weight = forms.DecimalField(
        label="Weight of the new category (percent of the course total)",
        required=False,
        min_value=0,
        max_value=100,
        max_digits=5,
        decimal_places=2,
        help_text="When every category weighs 0, the course total is by points.",
    )

    class Meta:
        model = Assignment
        fields = [
            "title",
            "instructions",
            "opens_at",
            "due_at",
            "lock_at",
            "max_attempts",
            "attempt_scoring",
            "late_submissions_accepted",
            "late_deduction_percent",
            "late_interval",
            "late_minimum_percent",
            "missing_deduction_enabled",
            "missing_deduction_percent",
            "category",
            "release_policy",
        ]
        labels = {
            "opens_at": "Opens",
            "due_at": "Due",
            "lock_at": "Closes",
            "max_attempts": "Attempts per student",
            "late_deduction_percent": "Late deduction (percent)",
            "late_interval": "Deducted",
            "late_minimum_percent": "Lowest late score (percent)",
            "missing_deduction_enabled": "Grade missing work once the due time has passed",
            "missing_deduction_percent": "Missing-work deduction (percent)",
            "category": "Gradebook category",
            "release_policy": "Grade release",
        }
        widgets = {
            "instructions": forms.Textarea(attrs={"rows": 8}),
            "opens_at": datetime_input(),
            "due_at": datetime_input(),
            "lock_at": datetime_input(),
        }

    def __init__(self, *args: Any, course: Course, **kwargs: Any) -> None:
        kwargs.setdefault("instance", Assignment(course=course))
        super().__init__(*args, **kwargs)
        self.course = course
        self.fields["category"].queryset = Category.objects.filter(course=course)  # type: ignore[attr-defined]
        self.fields["title"].error_messages["required"] = "Give the assignment a title."
        self.fields["max_attempts"].error_messages["min_value"] = (
            "Allow at least one attempt, or leave it empty for unlimited attempts."
        )

    def clean_title(self) -> str:
        title: str = self.cleaned_data["title"].strip()
        if not title:
            raise ValidationError("Give the assignment a title.")
        return title

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        new_name = (cleaned.get("new_category") or "").strip()
        cleaned["new_category"] = new_name
        if new_name and cleaned.get("category"):
            self.add_error("new_category", "Pick a category or name a new one, not both.")
        elif new_name and Category.objects.filter(course=self.course, name=new_name).exists():
            self.add_error("new_category", "This course has a category of that name: pick it.")
        if cleaned.get("new_category_weight") is not None and not new_name:
            self.add_error("new_category_weight", "Name the new category, or leave this empty.")
        return cleaned

    def settings(self) -> dict[str, Any]:
        """The cleaned fields as the services take them (the category apart)."""
        return {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name not in ("title", "category")
        }


def without_errors(form: forms.BaseForm) -> None:
    """Clean the form (so its fields re-show what was typed) but show no error: a preview."""
    form.errors  # noqa: B018 -- cleans the form
    form._errors = ErrorDict()  # type: ignore[attr-defined]  # Django's own cache of errors


# --- Questions -------------------------------------------------------------------------------

KIND_FIELDS: dict[str, tuple[str, ...]] = {
    Question.Kind.SINGLE_CHOICE: (),
    Question.Kind.MULTIPLE_CHOICE: (),
    Question.Kind.NUMERIC: ("numeric_answer", "numeric_tolerance"),
    Question.Kind.SHORT_TEXT: (
        "reference_answers",
        "key_points",
        "accepted_answers",
        "case_sensitive",
        "max_chars",
    ),
    Question.Kind.ESSAY: ("reference_answers", "key_points", "max_chars"),
}
# Locked once students have submitted (as `services.GRADING_FIELDS`).
GRADING_FORM_FIELDS = (
    "points",
    "numeric_answer",
    "numeric_tolerance",
    "accepted_answers",
    "case_sensitive",
)
NEW_CHOICE_ROWS = 4
NEW_LEVEL_ROWS = 3


class QuestionForm(forms.Form):
    """A question's own fields: those of its kind only."""

    prompt = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Markdown.",
        strip=False,
        error_messages={"required": "Write the question."},
    )
    points = forms.DecimalField(
        min_value=Decimal("0.01"),
        max_digits=7,
        decimal_places=2,
        initial=1,
        error_messages={
            "required": "Give the question its points.",
            "min_value": "Points must be more than 0.",
        },
    )
    numeric_answer = forms.DecimalField(
        label="Correct answer", required=False, max_digits=20, decimal_places=6
    )
    numeric_tolerance = forms.DecimalField(
        label="Tolerance (±)",
        required=False,
        min_value=0,
        max_digits=20,
        decimal_places=6,
        initial=0,
        help_text="Answers within ± this value of the correct answer are right. 0: exact.",
        error_messages={"min_value": "The tolerance cannot be negative."},
    )
    reference_answers = LinesField(
        label="Reference answers",
        help_text="Model answers, one per line: for AI scoring and feedback.",
    )
    key_points = LinesField(
        label="Key points",
        help_text="What a full answer covers, one per line; feedback says which were met.",
    )
    accepted_answers = LinesField(
        label="Accepted exact answers",
        help_text="One per line: an answer equal to one of these earns full points at once.",
    )
    case_sensitive = forms.BooleanField(label="Exact answers are case-sensitive", required=False)
    max_chars = forms.IntegerField(
        label="Longest answer (characters)",
        required=False,
        min_value=1,
        help_text="Empty: the site's limit.",
    )
    skills = forms.ModelMultipleChoiceField(
        queryset=Skill.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="What this question practises; it feeds the students' mastery.",
    )

    def __init__(self, *args: Any, kind: str, course: Course, locked: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        kept = {"prompt", "points", "skills", *KIND_FIELDS[kind]}
        for name in list(self.fields):
            if name not in kept:
                del self.fields[name]
        self.fields["skills"].queryset = Skill.objects.filter(course=course)  # type: ignore[attr-defined]
        if locked:
            for name in GRADING_FORM_FIELDS:
                if name in self.fields:
                    self.fields[name].disabled = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        if self.kind == Question.Kind.NUMERIC and "numeric_answer" not in self.errors:
            if cleaned.get("numeric_answer") is None:
                self.add_error("numeric_answer", "A numeric question needs its correct answer.")
            if cleaned.get("numeric_tolerance") is None:
                cleaned["numeric_tolerance"] = Decimal(0)
        return cleaned

    def fields_for_service(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in KIND_FIELDS[self.kind]}


class ChoiceForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    text = forms.CharField(required=False, max_length=500)
    is_correct = forms.BooleanField(label="Correct", required=False)


class CriterionForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(required=False, max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))


class LevelForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    title = forms.CharField(required=False, max_length=120)
    points = forms.DecimalField(
        required=False,
        min_value=0,
        max_digits=7,
        decimal_places=2,
        error_messages={"min_value": "Points cannot be negative."},
    )
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    @property
    def is_blank(self) -> bool:
        data = self.cleaned_data
        return not (data.get("title") or data.get("description")) and data.get("points") is None


ChoiceFormSet = formset_factory(ChoiceForm, extra=0)
CriterionFormSet = formset_factory(CriterionForm, extra=0)
LevelFormSet = formset_factory(LevelForm, extra=0)


def _initial_rows(question: Question | None, locked: bool) -> tuple[list[Any], list[Any]]:
    """Choice rows and rubric rows (with their level rows) of the question; blank ones for new."""
    if question is None:
        choices: list[dict[str, Any]] = [{} for _ in range(NEW_CHOICE_ROWS)]
        criteria: list[tuple[dict[str, Any], list[dict[str, Any]]]] = [
            ({}, [{} for _ in range(NEW_LEVEL_ROWS)])
        ]
        return choices, criteria
    choices = [
        {"id": c.pk, "text": c.text, "is_correct": c.is_correct} for c in question.choices.all()
    ]
    criteria = [
        (
            {"id": c.pk, "title": c.title, "description": c.description},
            [
                {"id": lv.pk, "title": lv.title, "points": lv.points, "description": lv.description}
                for lv in c.levels.all()
            ],
        )
        for c in question.criteria.all()
    ]
    if not criteria and not locked:
        criteria = [({}, [{} for _ in range(NEW_LEVEL_ROWS)])]
    return choices, criteria


class QuestionEditor:
    """The question form with its choice rows (choice kinds) and rubric rows (text kinds).

    A row left blank is ignored, so that spare rows cost nothing. Without JavaScript, "add a row"
    buttons post the whole form back and get it again with one more blank row (`add_row`).
    """

    def __init__(
        self,
        data: QueryDict | None,
        *,
        kind: str,
        course: Course,
        question: Question | None = None,
        locked: bool = False,
    ) -> None:
        self.kind = kind
        self.locked = locked
        self.has_choices = kind in Question.CHOICE_KINDS
        self.has_rubric = kind in Question.TEXT_KINDS
        initial: dict[str, Any] = {}
        if question is not None:
            initial = {name: getattr(question, name) for name in ("prompt", "points")}
            initial |= {name: getattr(question, name) for name in KIND_FIELDS[kind]}
            initial["skills"] = list(question.skills.all())
        self.form = QuestionForm(data, kind=kind, course=course, locked=locked, initial=initial)
        choice_rows, rubric_rows = _initial_rows(question, locked)
        self.choices = ChoiceFormSet(data, initial=choice_rows, prefix="choices")
        self.criteria = CriterionFormSet(
            data, initial=[criterion for criterion, _ in rubric_rows], prefix="criteria"
        )
        self.levels = [
            LevelFormSet(
                data,
                initial=rubric_rows[index][1] if index < len(rubric_rows) else [],
                prefix=f"{criterion.prefix}-levels",
            )
            for index, criterion in enumerate(self.criteria.forms)
        ]
        if locked:
            for row in self.choices.forms:
                row.fields["is_correct"].disabled = True
            for levels in self.levels:
                for level in levels.forms:
                    level.fields["points"].disabled = True
        self.choice_errors: list[str] = []
        self.rubric_errors: list[str] = []

    @classmethod
    def add_row(cls, data: QueryDict, which: str, **kwargs: Any) -> QuestionEditor:
        """The editor as posted, with one more blank row (`choice`, `criterion` or `level-N`)
        and no error shown: the teacher has not finished typing."""
        data = data.copy()

        def grow(prefix: str, by: int = 1) -> None:
            total = f"{prefix}-TOTAL_FORMS"
            data[total] = str(_int(data.get(total)) + by)
            data.setdefault(f"{prefix}-INITIAL_FORMS", "0")

        if which == "choice":
            grow("choices")
        elif which == "criterion":
            new = _int(data.get("criteria-TOTAL_FORMS"))
            grow("criteria")
            grow(f"criteria-{new}-levels", NEW_LEVEL_ROWS)
        elif which.startswith("level-") and _int(which[6:]) < _int(
            data.get("criteria-TOTAL_FORMS")
        ):
            grow(f"criteria-{_int(which[6:])}-levels")
        editor = cls(data, **kwargs)
        editor.silence()
        return editor

    @property
    def rubric(self) -> list[tuple[forms.Form, Any]]:
        return list(zip(self.criteria.forms, self.levels, strict=True))

    def _formsets(self) -> list[Any]:
        return [
            *([self.choices] if self.has_choices else []),
            *([self.criteria, *self.levels] if self.has_rubric else []),
        ]

    def silence(self) -> None:
        """Validate (so rows keep what was typed) but show no error."""
        for form in [self.form, *(f for fs in self._formsets() for f in fs.forms)]:
            form.errors  # noqa: B018 -- cleans the form, so that its values render
            form._errors = ErrorDict()
        for formset in self._formsets():
            formset.errors  # noqa: B018
            formset._errors = []
            formset._non_form_errors = formset.error_class()

    def is_valid(self) -> bool:
        form_valid = self.form.is_valid()
        rows_valid = all(formset.is_valid() for formset in self._formsets())
        if rows_valid:
            # Checked even when a field above is wrong, so that every problem shows at once.
            if self.has_choices:
                self._check_choices()
            if self.has_rubric:
                self._check_rubric(self.form.cleaned_data.get("points"))
        return (
            form_valid
            and rows_valid
            and not (self.choice_errors or self.rubric_errors or self._row_errors())
        )

    def _row_errors(self) -> bool:
        return any(form.errors for fs in self._formsets() for form in fs.forms)

    def _check_choices(self) -> None:
        filled = []
        for row in self.choices.forms:
            data = row.cleaned_data
            if data.get("text", "").strip():
                filled.append(data)
            elif data.get("is_correct") and not self.locked:
                row.add_error("text", "Give this choice a text, or untick it.")
        correct = sum(1 for data in filled if data.get("is_correct"))
        if len(filled) < 2:
            self.choice_errors.append("Give at least two choices.")
        if self.kind == Question.Kind.SINGLE_CHOICE and correct != 1:
            self.choice_errors.append("Mark exactly one choice as correct.")
        if self.kind == Question.Kind.MULTIPLE_CHOICE and correct < 1:
            self.choice_errors.append("Mark at least one choice as correct.")

    def _check_rubric(self, points: Decimal | None) -> None:
        best_total = Decimal(0)
        for criterion, levels in self.rubric:
            filled = [level for level in levels.forms if not level.is_blank]
            title = criterion.cleaned_data.get("title", "").strip()
            if not (filled or title or criterion.cleaned_data.get("description")):
                continue
            if not title:
                criterion.add_error("title", "Give this criterion a title.")
            if not filled:
                criterion.add_error(None, "Give this criterion at least one level.")
            for level in filled:
                if not level.cleaned_data.get("title", "").strip():
                    level.add_error("title", "Give this level a title.")
                level_points = level.cleaned_data.get("points")
                if level_points is None:
                    level.add_error("points", "Give this level its points.")
                elif points is not None and level_points > points:
                    level.add_error(
                        "points", f"More than the question's {points.normalize():f} points."
                    )
            best_total += max((lv.cleaned_data.get("points") or 0 for lv in filled), default=0)
        if points is not None and best_total > points:
            self.rubric_errors.append(
                f"The best levels add up to {best_total.normalize():f} points, more than the "
                f"question's {points.normalize():f}: a grade cannot use them all."
            )

    def choice_specs(self) -> list[ChoiceSpec]:
        return [
            {
                "id": row.cleaned_data.get("id"),
                "text": row.cleaned_data["text"].strip(),
                "is_correct": bool(row.cleaned_data.get("is_correct")),
            }
            for row in self.choices.forms
            if row.cleaned_data.get("text", "").strip()
        ]

    def criterion_specs(self) -> list[CriterionSpec]:
        specs: list[CriterionSpec] = []
        for criterion, levels in self.rubric:
            level_specs: list[LevelSpec] = [
                {
                    "id": level.cleaned_data.get("id"),
                    "title": level.cleaned_data["title"].strip(),
                    "points": level.cleaned_data["points"],
                    "description": level.cleaned_data.get("description", ""),
                }
                for level in levels.forms
                if not level.is_blank
            ]
            title = criterion.cleaned_data.get("title", "").strip()
            if title:
                specs.append(
                    {
                        "id": criterion.cleaned_data.get("id"),
                        "title": title,
                        "description": criterion.cleaned_data.get("description", ""),
                        "levels": level_specs,
                    }
                )
        return specs

    def service_kwargs(self) -> dict[str, Any]:
        """What `question_create` and `question_update` take, from the valid editor."""
        data = self.form.cleaned_data
        kwargs: dict[str, Any] = {
            "prompt": data["prompt"],
            "points": data["points"],
            "skills": list(data["skills"]),
            **self.form.fields_for_service(),
        }
        if self.has_choices:
            kwargs["choices"] = self.choice_specs()
        if self.has_rubric:
            kwargs["criteria"] = self.criterion_specs()
        return kwargs

    def add_service_error(self, error: ValidationError) -> None:
        """A service's refusal beside what it is about: the choices, the rubric or a field."""
        if not hasattr(error, "error_dict"):
            self.form.add_error(None, error)
            return
        for field, errors in error.error_dict.items():
            messages = [message for item in errors for message in item.messages]
            if field == "choices":
                self.choice_errors.extend(messages)
            elif field == "criteria":
                self.rubric_errors.extend(messages)
            else:
                self.form.add_error(field if field in self.form.fields else None, messages)


def _int(value: Any) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0


# --- Extensions ------------------------------------------------------------------------------


class ExtensionForm(forms.Form):
    student = forms.ModelChoiceField(
        queryset=User.objects.none(), error_messages={"required": "Pick a student."}
    )
    due_at = forms.DateTimeField(label="Due", required=False, widget=datetime_input())
    lock_at = forms.DateTimeField(label="Closes", required=False, widget=datetime_input())
    extra_attempts = forms.IntegerField(
        label="Extra attempts",
        min_value=0,
        max_value=100,
        initial=0,
        error_messages={
            "required": "Give a number of extra attempts (0 for none).",
            "min_value": "Extra attempts cannot be negative.",
        },
    )
    reason = forms.CharField(max_length=200, required=False, help_text="Seen by teachers only.")

    def __init__(self, *args: Any, assignment: Assignment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        self.fields["student"].queryset = User.objects.filter(  # type: ignore[attr-defined]
            enrollments__course_id=assignment.course_id,
            enrollments__role=Enrollment.Role.STUDENT,
            enrollments__is_active=True,
        ).order_by("display_name", "email")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        due, lock = cleaned.get("due_at"), cleaned.get("lock_at") or self.assignment.lock_at
        if due and lock and lock < due:
            field = "lock_at" if cleaned.get("lock_at") else "due_at"
            self.add_error(field, "The extended due time must come before the closing time.")
        if not self.errors and not (due or cleaned.get("lock_at") or cleaned.get("extra_attempts")):
            raise ValidationError("An extension gives a due time, a closing time or attempts.")
        return cleaned
