"""What a citizen is told about a code display or an audio code reader, in one place for every
face that activates or uses one: the login step, the portal, the desk's customer display.

The audio code reader's words are seed 000's: the red button at the bottom right, which can be
felt by its one raised dot, and a code that is shown or read aloud. The segl app says the same
in its own catalogue (``app/js/use.js``).
"""

from __future__ import annotations

from django.utils.translation import gettext as _

__all__ = ["DEVICE_KINDS", "activate_title", "code_hint", "have_question", "serial_hint"]

DEVICE_KINDS = ("code_display", "audio_code_reader")


def have_question(kind: str = "") -> str:
    if kind == "audio_code_reader":
        return _("Do you have an audio code reader?")
    if kind == "code_display":
        return _("Do you have a code display?")
    return _("Do you have a code display or an audio code reader?")


def activate_title(kind: str = "") -> str:
    if kind == "audio_code_reader":
        return _("Activate your audio code reader")
    if kind == "code_display":
        return _("Activate your code display")
    return _("Activate your device")


def serial_hint(kind: str = "") -> str:
    if kind == "audio_code_reader":
        return _("Printed on the back of the code reader, for example AR1234567897.")
    if kind == "code_display":
        return _("Printed on the back of the code display, for example CD1234567897.")
    return _("Printed on the back of the device.")


def code_hint(kind: str = "") -> str:
    if kind == "audio_code_reader":
        return _(
            "Press the red button at the bottom right of the code reader. You can feel the "
            "button: it has one raised dot. Enter the 6-digit one-time code it shows or reads "
            "aloud."
        )
    if kind == "code_display":
        return _("Press the button on the code display. Enter the 6-digit one-time code it shows.")
    return _(
        "Press the button on a code display, or the red button at the bottom right of an audio "
        "code reader (it has one raised dot). Enter the 6-digit one-time code it shows or reads "
        "aloud."
    )
