"""Grading page forms. Shape only: `lms.grading.services` and `lms.grading.imports` decide."""

from __future__ import annotations

from django import forms

from lms.courses.forms import ConfirmForm, CsvUploadForm, csv_import


class ReleaseAllForm(ConfirmForm):
    """Release (or retract) every grade of an assignment, after a ticked confirmation."""

    action = forms.ChoiceField(
        choices=[("release", "Release"), ("retract", "Retract")], widget=forms.HiddenInput
    )


class StudentReleaseForm(forms.Form):
    """Release or retract one student's grades of an assignment (a button per row)."""

    action = forms.ChoiceField(choices=[("release", "Release"), ("retract", "Retract")])
    student = forms.IntegerField(min_value=1)


__all__ = ["CsvUploadForm", "ReleaseAllForm", "StudentReleaseForm", "csv_import"]
