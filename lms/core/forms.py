"""Form pieces shared by every app's pages and the admin."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError


class LinesField(forms.CharField):
    """A JSON list of strings edited as a textarea, one item per line; blank lines are dropped."""

    widget = forms.Textarea(attrs={"rows": 4})

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("strip", False)
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, list):
            return "\n".join(str(item) for item in value)
        return value

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        if isinstance(value, list):
            return [str(item) for item in value]
        text = super().to_python(value) or ""
        return [line.strip() for line in text.splitlines() if line.strip()]

    def has_changed(self, initial: Any, data: Any) -> bool:
        return self.to_python(initial or []) != self.to_python(data)


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, *, default_field: str | None = None
) -> None:
    """Show a service's ValidationError on the form: on the field it names when the form has one,
    else on `default_field` (where the form has one obvious culprit), else above the form, so that
    nothing the service said is lost."""
    if not hasattr(error, "error_dict"):
        form.add_error(default_field, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else default_field, errors)
