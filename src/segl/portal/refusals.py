"""What the portal tells a citizen when something is refused: one sentence per error code.

The services raise errors that carry a code (``reason``, or the error's own ``code``); the views
look the sentence up here, so the same refusal reads the same on every page. Each sentence says
what to do next (seeds 000 to 002).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from segl.core.errors import Locked, SeglError

REFUSALS: dict[str, Promise] = {
    # Anything that counts requests.
    "rate_limited": _("Too many requests. Wait a minute and try again."),
    "locked": _("Too many wrong tries. Wait until %(time)s and try again."),
    # Logging in to the portal.
    "login_unreachable": _("segl could not be reached. Try again in a moment."),
    "login_not_started": _("The login was not started here. Try again."),
    "login_cancelled": _("The login was cancelled."),
    "login_failed": _("The login did not complete. Try again."),
    "login_level": _("The self-service portal needs a login at level Substantial."),
    # Identification by CPR number and passport number.
    "identification_blocked": _(
        "Identification with this CPR number and passport number is blocked after too "
        "many wrong tries. Log in with segl instead, or visit a citizen service centre."
    ),
    "identification_mismatch": _(
        "The CPR number and the passport number do not match. Check them and try again."
    ),
    # Orders.
    "no_address": _(
        "We have no address for you in the people register. Choose to collect it "
        "at a citizen service centre."
    ),
    "price_changed": _("The price has changed since you saw it. Check it and confirm again."),
    "order_refused": _("The order could not be placed. Check the details and try again."),
    "not_cancellable": _("The order has left and can no longer be cancelled."),
    "unpaid": _("The invoice has not been paid."),
    "out_of_stock": _("There is no device of this kind in stock."),
    "step": _("The order cannot take that step from where it is."),
    "order_unchanged": _("The order could not be changed."),
    "at_the_desk": _(
        "A pickup order is handed over at the desk, where the person's ID is checked."
    ),
    # Activating a code device.
    "no_identity": _(
        "You have no segl to add the device to. "
        "Visit a citizen service centre (Borgerservice) to get one."
    ),
    "unknown_serial": _(
        "We do not know a device with this serial number that has been sent out. "
        "Check the number on the back."
    ),
    "login_needed": _(
        "This device was ordered without identification. Log in with segl to "
        "activate it, or have it activated at a citizen service centre."
    ),
    "not_yours": _(
        "This device was sent to someone else. Only the person it was sent to can activate it."
    ),
    "wrong_kind": _("That serial number belongs to another kind of device. Check the number."),
    "device_refused": _("This device cannot be activated. Contact a citizen service centre."),
    "device_blocked": _("This device is blocked. Contact a citizen service centre."),
    "code_wrong": _("The one-time code is not correct. Press the button and enter the new code."),
    # Managing what the citizen has.
    "name_length": _("Enter a name of 1 to 64 characters"),
    "not_an_app": _("Only an app in use can be renamed"),
    "not_in_use": _("Nothing was changed: it is not in use."),
    "already_reported": _("You have already reported this."),
    # Passwords (the policy's reasons, then the checks of the current one).
    "password_too_short": _("Your password must be at least 8 characters long"),
    "password_too_long": _("Your password can be at most 128 characters long"),
    "password_common": _("This password is too common. Choose one that is harder to guess"),
    "password_user_id": _("Your password must not contain your user ID"),
    "password_refused": _("Choose another password"),
    "password_wrong": _("The password is not correct"),
    "password_blocked": _(
        "Your password is blocked after too many wrong attempts. Log in with the "
        "segl app to choose a new one, or visit a citizen service centre."
    ),
    # User IDs.
    "user_id_tries": _("You have tried many user IDs. Try again in an hour."),
    "user_id_invalid": _("Use 4 to 64 letters, digits and . - _ #"),
    "user_id_same": _("This is already your user ID"),
    "user_id_taken": _("This user ID is taken. Choose another."),
    # Appointments at a citizen service centre.
    "slot_taken": _("Someone has just booked that time. Choose another."),
    "not_a_time": _("That time cannot be booked. Choose one of the times shown."),
    "too_far_ahead": _("Times can be booked up to 60 days ahead. Choose an earlier day."),
    "too_many_appointments": _(
        "You already have two appointments booked."
        " Cancel one with the link in its confirmation first."
    ),
    "contact": _("Give a mobile number or an e-mail address"),
    "email": _("Enter an e-mail address such as name@example.dk"),
    "name": _("Enter your name"),
    "appointment_refused": _("The time could not be booked. Check the details and try again."),
    # Mobile numbers.
    "phone": _(
        "Enter a mobile number of 8 digits, or + and the country code first, "
        "for example +299 123456"
    ),
}


def refusal(reason: str | SeglError, default: str = "", **params: Any) -> str:
    """The sentence for an error or an error code; ``default`` names the one for codes that
    have none of their own. A :class:`Locked` error says until when."""
    if isinstance(reason, Locked):
        until = timezone.localtime(reason.until)
        return refusal("locked", time=until.strftime("%H:%M"))
    if isinstance(reason, SeglError):
        reason = str(getattr(reason, "reason", reason.code))
    sentence = REFUSALS.get(reason) or REFUSALS[default]
    return str(sentence) % params if params else str(sentence)
