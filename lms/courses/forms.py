"""Course forms. Shape only: `lms.courses.services` decides."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest

from lms.core.forms import add_service_errors
from lms.courses.models import Course, Enrollment
from lms.courses.services import LATE_POLICY_FIELDS


class JoinCourseForm(forms.Form):
    code = forms.CharField(
        label="Join code",
        max_length=32,
        help_text="The code your teacher gave you, for example K7PM-2QXD.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class CourseForm(forms.ModelForm[Course]):
    """A course's settings, for creating and editing it (`course_open`, `course_update`)."""

    class Meta:
        model = Course
        fields = (
            "code",
            "title",
            "term",
            "description",
            "ai_feedback",
            "joining_enabled",
            "is_archived",
            *LATE_POLICY_FIELDS,
        )
        labels = {
            "ai_feedback": "Feedback visibility",
            "joining_enabled": "Students may join with the join code",
            "is_archived": "Archived (read-only, takes no new students)",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 5})}


class ConfirmForm(forms.Form):
    """One ticked box: the page has said what will happen, and the teacher means it."""

    confirm = forms.BooleanField(
        label="Yes, do it",
        error_messages={"required": "Tick the box to confirm."},
    )

    def __init__(self, *args: Any, label: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if label:
            self.fields["confirm"].label = label


class AddPersonForm(forms.Form):
    email = forms.EmailField(label="E-mail address", max_length=254)
    display_name = forms.CharField(
        label="Name",
        max_length=150,
        required=False,
        help_text="Used only when Aula has no account with this e-mail yet.",
    )
    role = forms.ChoiceField(choices=Enrollment.Role.choices, initial=Enrollment.Role.STUDENT)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Enrollment.Role.choices)


class CsvUploadForm(forms.Form):
    """A CSV file, or the same text pasted: pasted text survives an error, so it can be fixed
    on the page (a browser never keeps a chosen file)."""

    file = forms.FileField(label="CSV file", required=False)
    text = forms.CharField(
        label="Or paste the CSV",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("file") and not (data.get("text") or "").strip():
            raise forms.ValidationError("Choose a CSV file or paste its text.")
        return data

    def content(self) -> bytes:
        """The upload's bytes (the file wins over pasted text). Call after `is_valid()`."""
        upload = self.cleaned_data.get("file")
        if upload:
            return bytes(upload.read())
        return str(self.cleaned_data["text"]).encode()


def keep_upload_as_text(form: CsvUploadForm, content: bytes) -> CsvUploadForm:
    """The same form with a refused file's text in the paste box, so it can be fixed there."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return form
    kept = CsvUploadForm({"text": text})
    kept.is_valid()
    for field, errors in form.errors.items():
        kept.add_error(None if field == "__all__" else field, errors)
    return kept


Imported = TypeVar("Imported")


def csv_import(
    request: HttpRequest, run: Callable[[bytes], Imported]
) -> tuple[Imported | None, CsvUploadForm]:
    """Bind the posted upload and give its bytes to the import service `run`: (its result, the
    form) when it imported, else (None, the form with every refusal, the file's text kept)."""
    form = CsvUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return None, form
    content = form.content()
    try:
        return run(content), form
    except ValidationError as exc:
        add_service_errors(form, exc, default_field="file")
        return None, keep_upload_as_text(form, content)
