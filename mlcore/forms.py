"""Teacher forms of the AI feedback loop: a question's model settings and the review decisions.

Forms check the shape of what was typed (a number, in range); `mlcore.services` decide.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from lms.assignments.models import Criterion, Level, Question
from mlcore.models import Family, Loss, ScoringModel

ACTIONS = {
    "accept": "accepted",
    "edit": "edited",
    "reject": "rejected",
    "grade": "graded",
}


class ScoringModelForm(forms.ModelForm[ScoringModel]):
    family = forms.ChoiceField(label="Model family", choices=Family.choices)
    loss = forms.ChoiceField(label="Training objective", choices=Loss.choices)
    retrain_threshold = forms.IntegerField(
        label="Retrain after this many new teacher grades", min_value=1, max_value=10_000
    )
    suggestions_enabled = forms.BooleanField(
        label="Show AI suggestions to graders and write suggested grades", required=False
    )

    class Meta:
        model = ScoringModel
        fields = ["family", "loss", "retrain_threshold", "suggestions_enabled"]


class DecisionForm(forms.Form):
    """One answer's decision in the grading queue: accept, edit or reject the suggestion, or
    grade an answer that has none. Each answer's form has its own prefix (unique field ids)."""

    action = forms.ChoiceField(choices=[(a, a) for a in ACTIONS], widget=forms.HiddenInput)
    points = forms.DecimalField(
        label="Points", required=False, min_value=0, decimal_places=2, max_digits=7
    )
    comment = forms.CharField(
        label="Comment for the student",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    shown_points = forms.DecimalField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        question: Question,
        criteria: list[Criterion] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.question = question
        self.criteria = criteria or []
        points = self.fields["points"]
        assert isinstance(points, forms.DecimalField)
        points.validators.append(_max_points(question.points))
        points.help_text = f"0 to {_plain(question.points)}"
        points.widget.attrs.update({"min": 0, "max": question.points, "step": "any"})
        self._levels: dict[str, Level] = {}
        for criterion in self.criteria:
            # The levels come prefetched for every row at once: no query per form.
            levels = list(criterion.levels.all())
            self._levels.update({str(level.pk): level for level in levels})
            self.fields[f"criterion_{criterion.pk}"] = forms.ChoiceField(
                label=criterion.title,
                required=False,
                choices=[("", "No level")]
                + [
                    (str(level.pk), f"{level.title} ({_plain(level.points)} points)")
                    for level in levels
                ],
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        action = data.get("action")
        if "points" in self.errors or data.get("points") is not None or action == "accept":
            return data
        if action == "reject":
            self.add_error("points", "Give your own points for a rejected suggestion.")
        elif not self.levels():
            self.add_error("points", "Give the points (or choose rubric levels).")
        return data

    def criterion_fields(self) -> list[forms.BoundField]:
        return [self[f"criterion_{criterion.pk}"] for criterion in self.criteria]

    def levels(self) -> list[Level]:
        """The rubric levels chosen, one per criterion at most."""
        data = getattr(self, "cleaned_data", {})
        chosen = [data[name] for name in data if name.startswith("criterion_") and data[name]]
        return [self._levels[pk] for pk in chosen]


def _plain(points: Decimal) -> str:
    """4.00 as "4", 2.50 as "2.5"."""
    return f"{points.normalize():f}"


def _max_points(limit: Decimal) -> Any:
    def check(value: Decimal | None) -> None:
        if value is not None and value > limit:
            raise forms.ValidationError(f"At most the question's {_plain(limit)} points.")

    return check
