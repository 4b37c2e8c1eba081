"""Course forms. Shape only: `lms.courses.services` decides."""

from __future__ import annotations

from django import forms


class JoinCourseForm(forms.Form):
    code = forms.CharField(
        label="Join code",
        max_length=32,
        help_text="The code your teacher gave you, for example K7PM-2QXD.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )
