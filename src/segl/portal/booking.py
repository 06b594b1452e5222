"""The forms of booking a time at a citizen service centre (issue 12; seeds 000, 001: "book an
appointment first")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from segl.authenticators.forms import SeglForm
from segl.centres.appointments import Slot
from segl.centres.models import Appointment
from segl.centres.registry import ZONE, centres


def _centre_choices() -> list[tuple[str, str]]:
    return [(c.id, f"{c.name}, {c.address}") for c in centres().values()]


class WhereForm(SeglForm):
    """Step 1: where and why."""

    centre = forms.ChoiceField(
        label=_("Citizen service centre"),
        choices=_centre_choices,
        widget=forms.Select(attrs={"class": "select"}),
        error_messages={
            "required": _("Choose a citizen service centre"),
            "invalid_choice": _("Choose a citizen service centre"),
        },
    )
    purpose = forms.ChoiceField(
        label=_("What do you need help with?"),
        choices=Appointment.Purpose.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose what you need help with"),
            "invalid_choice": _("Choose what you need help with"),
        },
    )


def day_label(day: date) -> str:
    return formats.date_format(day, "l j F")


class WhenForm(SeglForm):
    """Step 2: a free time on the chosen day, and how to reach the citizen."""

    starts_at = forms.ChoiceField(
        label=_("Time"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a time"),
            "invalid_choice": _("Choose one of the times shown"),
        },
    )
    name = forms.CharField(
        label=_("Your name"),
        max_length=200,
        error_messages={"required": _("Enter your name")},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    phone = forms.CharField(
        label=_("Mobile number"),
        required=False,
        max_length=20,
        help_text=_("For the confirmation and a reminder the day before, by SMS"),
        widget=forms.TextInput(
            attrs={"autocomplete": "tel", "inputmode": "tel", "aria-describedby": "id_phone-hint"}
        ),
    )
    email = forms.CharField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        help_text=_("Or by e-mail. Give at least one of the two."),
        widget=forms.EmailInput(
            attrs={"autocomplete": "email", "aria-describedby": "id_email-hint"}
        ),
    )

    def __init__(self, *args: Any, slots: list[Slot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["starts_at"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [
            (s.starts_at.isoformat(), s.starts_at.astimezone(ZONE).strftime("%H:%M")) for s in slots
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not (data.get("phone", "").strip() or data.get("email", "").strip()):
            self.add_error("phone", _("Give a mobile number or an e-mail address"))
        return data

    def starts(self) -> datetime:
        return datetime.fromisoformat(self.cleaned_data["starts_at"])
