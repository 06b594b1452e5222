"""The portal's forms. Wording follows seeds 000 to 002."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from segl.authenticators.forms import PasswordField, SeglForm
from segl.centres.registry import centres
from segl.chip import texts as chip_texts
from segl.codedevice import texts
from segl.flows.forms import UserIdForm

from .refusals import REFUSALS, refusal

# A password longer than the policy allows is refused with the policy's own words.
TOO_LONG = REFUSALS["password_too_long"]

KIND_CHOICES = [
    ("code_display", _("Code display")),
    ("audio_code_reader", _("Audio code reader")),
    ("chip", _("Chip")),
]
COUNTRIES = [
    ("DK", _("Denmark")),
    ("GL", _("Greenland")),
    ("FO", _("Faroe Islands")),
    ("SE", _("Sweden")),
    ("NO", _("Norway")),
    ("DE", _("Germany")),
    ("GB", _("United Kingdom")),
]


def _text(
    label: Any, *, required: Any, max_length: int = 200, help_text: Any = "", **attrs: str
) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=max_length,
        required=False,
        help_text=help_text,
        error_messages={"required": required, "max_length": _("This is too long")},
        widget=forms.TextInput(attrs=attrs),
    )


class IdentifyFields(SeglForm):
    """CPR number and Danish or Greenlandic passport number."""

    cpr = _text(
        _("CPR number"),
        required=_("Enter your CPR number"),
        max_length=11,
        help_text=_("10 digits, for example 0101801234"),
        inputmode="numeric",
        autocomplete="off",
        **{"aria-describedby": "id_cpr-hint"},
    )
    passport = _text(
        _("Passport number"),
        required=_("Enter your passport number"),
        max_length=20,
        help_text=_("The number of your Danish or Greenlandic passport"),
        autocomplete="off",
        spellcheck="false",
        **{"aria-describedby": "id_passport-hint"},
    )

    def require_identification(self) -> None:
        for name, message in (
            ("cpr", _("Enter your CPR number")),
            ("passport", _("Enter your passport number")),
        ):
            if not self.cleaned_data.get(name, "").strip():
                self.add_error(name, message)


class OrderForm(IdentifyFields):
    kind = forms.ChoiceField(
        label=_("What do you want to order?"),
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose what you want to order")},
    )
    identify = forms.ChoiceField(
        label=_("How do you want to identify yourself?"),
        choices=[
            ("passport", _("With my CPR number and my Danish or Greenlandic passport number")),
            ("none", _("Not at all (then you pay for the device)")),
        ],
        widget=forms.RadioSelect,
        required=False,
        error_messages={"required": _("Choose how you want to identify yourself")},
    )
    delivery = forms.ChoiceField(
        label=_("How do you want it delivered?"),
        choices=[
            ("post", _("By post")),
            ("pickup", _("Collect it at a citizen service centre (Borgerservice)")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you want it delivered")},
    )
    centre = forms.ChoiceField(
        label=_("Citizen service centre"),
        required=False,
        help_text=_("Bring valid ID, such as a passport or driving licence."),
        widget=forms.Select(attrs={"class": "select", "aria-describedby": "id_centre-hint"}),
    )
    recipient = _text(_("Name"), required=_("Enter the name it is sent to"), autocomplete="name")
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=COUNTRIES,
        required=False,
        widget=forms.Select(attrs={"class": "select", "autocomplete": "country"}),
    )

    def __init__(self, *args: Any, logged_in: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logged_in = logged_in
        centre = self.fields["centre"]
        assert isinstance(centre, forms.ChoiceField)
        centre.choices = [("", _("Choose a centre"))] + [
            (c.id, f"{c.name}, {c.address}") for c in centres().values()
        ]
        if logged_in:
            for name in ("identify", "cpr", "passport"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.logged_in:
            identify = data.get("identify")
            if not identify:
                self.add_error("identify", _("Choose how you want to identify yourself"))
            elif identify == "passport":
                self.require_identification()
        anonymous = not self.logged_in and data.get("identify") == "none"
        if data.get("delivery") == "pickup" and not data.get("centre"):
            self.add_error("centre", _("Choose a citizen service centre"))
        if anonymous:
            if not data.get("recipient", "").strip():
                self.add_error("recipient", _("Enter the name it is sent to"))
            if data.get("delivery") == "post" and not data.get("address", "").strip():
                self.add_error("address", _("Enter the address it is sent to"))
        return data


class NewPasswordFields(SeglForm):
    new_password = PasswordField(
        label=_("Create a password"),
        help_text=_("At least 8 characters. You enter it every time you log in with the device."),
        error_messages={"required": _("Create a password"), "max_length": TOO_LONG},
        widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password", "aria-describedby": "id_new_password-hint"}
        ),
    )
    confirm_password = PasswordField(
        label=_("Repeat the password"),
        error_messages={"required": _("Repeat the password"), "max_length": TOO_LONG},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        new, again = data.get("new_password"), data.get("confirm_password")
        if new and again and new != again:
            self.add_error("confirm_password", _("The two passwords are not the same"))
        return data

    def reject_password(self, reason: str) -> None:
        self.add_error("new_password", refusal(f"password_{reason}", default="password_refused"))


class ActivateForm(IdentifyFields, NewPasswordFields):
    serial = forms.CharField(
        label=_("Serial number"),
        max_length=32,
        error_messages={"required": _("Enter the serial number from the back of the device")},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "spellcheck": "false",
                "autocapitalize": "characters",
                "aria-describedby": "id_serial-hint",
            }
        ),
    )
    code = forms.CharField(
        label=_("One-time code"),
        max_length=20,
        error_messages={"required": _("Enter the 6-digit one-time code")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "aria-describedby": "id_code-hint",
            }
        ),
    )

    field_order = ["cpr", "passport", "new_password", "confirm_password", "serial", "code"]

    def __init__(self, *args: Any, logged_in: bool, kind: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["serial"].help_text = texts.serial_hint(kind)
        self.fields["code"].help_text = texts.code_hint(kind)
        self.logged_in = logged_in
        if logged_in:
            del self.fields["cpr"], self.fields["passport"]

    def clean_code(self) -> str:
        code = "".join(str(self.cleaned_data["code"]).split())
        if not (code.isascii() and code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Enter the 6 digits shown, for example 123456"))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.logged_in:
            self.require_identification()
        return data


class ChipActivateForm(ActivateForm):
    """Seed 002's chip, for a logged-in citizen (decision 37): the password, the serial; the
    chip itself answers on the next page (``chip.kind.ChipAnswerForm``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, logged_in=True, **kwargs)
        del self.fields["code"]
        self.fields["serial"].help_text = chip_texts.serial_hint()


class PasswordChangeForm(NewPasswordFields):
    current_password = PasswordField(
        label=_("Current password"),
        required=False,
        error_messages={
            "required": _("Enter your current password"),
            "max_length": REFUSALS["password_wrong"],
        },
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["current_password", "new_password", "confirm_password"]

    def __init__(self, *args: Any, fresh: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fresh = fresh
        if fresh:
            del self.fields["current_password"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.fresh and not data.get("current_password"):
            self.add_error("current_password", _("Enter your current password"))
        return data


class UserIdChangeForm(UserIdForm):
    """The login's user ID field, asking for a new one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["user_id"]
        field.label = _("New user ID")
        field.help_text = _("4 to 64 letters, digits and . - _ #")
        field.error_messages = {**field.error_messages, "required": _("Enter a new user ID")}


class RenameForm(SeglForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=64,
        help_text=_("So you can tell your apps apart, for example “Anna's phone”."),
        error_messages={"required": _("Enter a name"), "max_length": _("At most 64 characters")},
        widget=forms.TextInput(attrs={"aria-describedby": "id_name-hint"}),
    )


class PhoneForm(SeglForm):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        help_text=_(
            "The temporary PIN code for the segl app is sent here by SMS. "
            "8 digits, or + and the country code first, for example +299 123456."
        ),
        error_messages={
            "required": _("Enter your mobile number"),
            "max_length": _("This is too long"),
        },
        widget=forms.TextInput(
            attrs={
                "type": "tel",
                "autocomplete": "tel",
                "spellcheck": "false",
                "aria-describedby": "id_phone-hint",
            }
        ),
    )
