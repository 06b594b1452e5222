"""What a citizen is told when a chip is refused: at the login's chip step, and at its
activation, in one place for every face that activates one (the portal, the desk, the app
after proofing)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from segl.authenticators.contract import cannot_be_used
from segl.authenticators.models import Kind
from segl.core.errors import SeglError

from .errors import ChipRefused


def registration_refusal(error: SeglError) -> str:
    reason = error.reason if isinstance(error, ChipRefused) else ""
    if reason in ("unknown_serial", "chip_used"):
        return _(
            "We do not know a chip with this serial number that can be activated. Check the "
            "number on the back of the chip."
        )
    if reason == "not_yours":
        return _(
            "This chip was sent to someone else. Only the person it was sent to can activate it."
        )
    if reason == "wrong_model":
        return _(
            "This is not the chip with that serial number. Connect the chip whose serial number "
            "you typed."
        )
    if reason == "model_not_accepted":
        return _(
            "segl does not accept this security key. Connect the chip segl sent you, the one "
            "with this serial number."
        )
    if reason == "attestation_invalid":
        return _(
            "The chip could not prove that it is a genuine chip of its model. Contact a citizen "
            "service centre."
        )
    if reason in ("challenge_expired", "challenge_used", "challenge_unknown"):
        return _("That took too long. Start the activation again.")
    return _("The chip's answer could not be used. Start the activation again.")


def have_question() -> str:
    return _("Do you have a chip?")


def serial_hint() -> str:
    return _("Printed on the back of the chip, for example CH1234567897.")


def login_refusal(error: SeglError) -> str:
    """What the login's chip step says when the chip's answer is refused."""
    reason = error.reason if isinstance(error, ChipRefused) else ""
    if reason in ("unknown_credential", "other_identity", "not_active"):
        return _(
            "This is not the chip you use with segl. Connect the chip whose serial number you "
            "activated, and press Start again. A chip you have reported lost or replaced "
            "cannot be used."
        )
    if reason == "cloned":
        return _(
            "Your chip has been suspended, because it answered as if it had been copied. Visit "
            "a citizen service centre with the chip and photo ID."
        )
    if reason in ("challenge_expired", "challenge_used", "challenge_unknown"):
        return _("That took too long. Press Start and connect your chip again.")
    if reason == "no_chip":
        return cannot_be_used(str(Kind.CHIP.label))
    return _("The chip's answer could not be used. Press Start and try again.")
