"""The login flow's forms. Labels follow the seeds' wording."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from segl.authenticators.contract import AnswerForm
from segl.authenticators.forms import PasswordField, SeglForm


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


class PasswordForm(AnswerForm):
    field = "password"

    password = PasswordField(
        label=_("Password"),
        help_text=_("You created this password when you activated your device."),
        # No password segl accepted is longer, so a longer one is simply not the password.
        error_messages={
            "required": _("Enter your password"),
            "max_length": _("The password is not correct. Try again."),
        },
        widget=forms.PasswordInput(
            attrs={
                "autocomplete": "current-password",
                "aria-describedby": "id_password-hint",
            }
        ),
    )
