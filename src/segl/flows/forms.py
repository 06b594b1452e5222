"""The login flow's forms. Labels follow the seeds' wording."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class SeglForm(forms.Form):
    """GOV.UK pattern: a field points at its hint and, when wrong, at its error message."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            self._mark_invalid(name)

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        if field is not None:
            self._mark_invalid(field)

    def _mark_invalid(self, name: str) -> None:
        if name not in self.fields:
            return
        attrs = self.fields[name].widget.attrs
        ids = [i for i in attrs.get("aria-describedby", "").split() if i]
        error_id = f"id_{name}-error"
        if error_id not in ids:
            attrs["aria-describedby"] = " ".join([*ids, error_id])
        attrs["aria-invalid"] = "true"


class UserIdForm(SeglForm):
    user_id = forms.CharField(
        label=_("User ID"),
        max_length=64,
        help_text=_("You created your user ID when you first got segl."),
        error_messages={
            "required": _("Enter your user ID"),
            "max_length": _("A user ID can be at most 64 characters long"),
        },
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "spellcheck": "false",
                "autocapitalize": "none",
                "aria-describedby": "id_user_id-hint",
            }
        ),
    )


class MethodForm(SeglForm):
    method = forms.ChoiceField(
        label=_("Choose how you want to identify yourself"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose an identification method")},
    )

    def __init__(self, *args: Any, methods: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["method"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = methods


class CodeForm(SeglForm):
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


class PasswordForm(SeglForm):
    password = forms.CharField(
        label=_("Password"),
        max_length=1024,
        strip=False,
        help_text=_("You created this password when you activated your device."),
        error_messages={"required": _("Enter your password")},
        widget=forms.PasswordInput(
            attrs={
                "autocomplete": "current-password",
                "aria-describedby": "id_password-hint",
            }
        ),
    )
