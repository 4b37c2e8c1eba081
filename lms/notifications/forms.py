from __future__ import annotations

from django import forms


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(
        label="Send me these notifications by e-mail",
        required=False,
        help_text="They are always listed on this page.",
    )
