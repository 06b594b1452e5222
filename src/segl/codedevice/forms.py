"""The code step's form. Labels follow the seeds' wording."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from segl.authenticators.contract import AnswerForm


class CodeForm(AnswerForm):
    field = "code"

    code = forms.CharField(
        label=_("One-time code"),
        max_length=20,
        error_messages={"required": _("Enter the 6-digit one-time code")},
        widget=forms.TextInput(
            attrs={
                "class": "code",
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "spellcheck": "false",
                "aria-describedby": "id_code-hint",
            }
        ),
    )

    def clean_code(self) -> str:
        # The shape is checked here, the same for every user ID; the value by the service.
        code = "".join(str(self.cleaned_data["code"]).split()).replace("-", "")
        if not (code.isascii() and code.isdigit() and 6 <= len(code) <= 8):
            raise forms.ValidationError(
                _("Enter the one-time code as the 6 digits shown, for example 123456")
            )
        return code
