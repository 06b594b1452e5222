"""What the desk says when segl refuses something, by the service's reason code."""

from __future__ import annotations

from django.utils.translation import gettext as _

from segl.chip import texts as chip_texts
from segl.chip.errors import REASONS as SECURITY_KEY_REASONS
from segl.chip.errors import ChipRefused


def refusal(reason: str) -> str:
    sentences = {
        "cpr_invalid": _("That is not a CPR number. Type 10 digits, such as 010203-1234."),
        "person_not_found": _(
            "No one in the people register has that CPR number. Check it with the person."
        ),
        "document_kind": _("Choose the kind of document you checked."),
        "document_number": _(
            "Type the document number as it is printed: 5 to 20 letters and digits."
        ),
        "document_country": _(
            "Type the issuing country as the three letters on the document, such as DNK."
        ),
        "document_expired": _("The document has expired. Ask for another valid photo ID."),
        "document_expiry": _("Type the expiry date as printed on the document."),
        "document_first": _("Check the person's ID document and record it first."),
        "visit_ended": _("This visit has ended. Start a new one."),
        "not_your_visit": _("This visit is another operator's."),
        "has_identity": _("The person already has a segl."),
        "no_identity": _("The person has no segl yet."),
        "unknown_action": _("That is not something the desk can ask for."),
        "same_person": _(
            "You asked for this yourself. Another operator or a supervisor must approve it."
        ),
        "not_staff": _("Only an operator or supervisor of this centre can approve this."),
        "not_pending": _("This request has already been decided."),
        "expired": _("This request is too old. Ask again."),
        "not_found": _("That request was not found."),
        "no_display": _("Pair the customer display first: show a code here and type it there."),
        "unknown_serial": _("No device has that serial number. Check the number on the back."),
        "not_in_stock": _("That device is not in this centre's stock, nor sent to this person."),
        "unknown_order": _("That order is not waiting here for this person."),
        "unknown_user_id": _("No one has that user ID. Check it with the person."),
        "own_role": _("Another supervisor takes your own roles away."),
        "already_granted": _("That person already has that role here."),
        "unknown_role": _("Choose a role."),
        "identity_inactive": _("That segl is not active, so it cannot be given a role."),
        "review_unknown": _("That face is no longer waiting for review."),
        "reviewer_not_viewed": _("Look at both pictures before you decide."),
        "reviewer_twice": _(
            "You have decided on this face already. Another reviewer decides next."
        ),
        "chip_unreadable": _("The reader's file could not be read. Read the chip again."),
        "chip_other_document": _(
            "The chip is of another document than the one recorded. Check the number and country."
        ),
        "chip_other_person": _("The chip is of someone with another date of birth. Do not go on."),
        "chip_not_genuine": _("The chip does not prove the document genuine. Do not go on."),
        "chip_untrusted": _(
            "The chip is not signed by a country segl trusts. Check the document by eye."
        ),
        "chip_certificate": _(
            "The chip's signing certificate has expired or is revoked. Check the document by eye."
        ),
        "chip_data_malformed": _(
            "The chip's data cannot be read as a travel document's. Check the document by eye."
        ),
        "proofing_unavailable": _(
            "This centre has no list of trusted countries, so the chip cannot be checked."
        ),
        "photo_id_needed": _(
            "This needs a valid photo ID. Without one, the person gets the app's activation code"
            " by letter."
        ),
        "documents_seen": _(
            "Write what the person showed instead, such as a health insurance card."
        ),
        "already_identified": _("A document is already recorded at this visit."),
        "no_address": _("The people register has no address for the person, so no letter can go."),
        "own_case": _("Staff are served, and their requests approved, by a colleague."),
        "not_suspended": _("Choose one of the person's suspended authenticators."),
        "stock_request": _("Choose a kind of device and type a number of 0 or more."),
        "out_of_stock": _("The central inventory has fewer devices of that kind."),
    }
    reason = CHIP_REASONS.get(reason, reason)
    return sentences.get(reason, _("That could not be done. Nothing was changed."))


# Passive authentication's reasons (segl.core.sod), as the desk says them.
CHIP_REASONS = {
    **dict.fromkeys(
        (
            "chip_data_changed",
            "mrz_mismatch",
            "signature_invalid",
            "signer_not_a_signer",
            "signer_unknown",
        ),
        "chip_not_genuine",
    ),
    **dict.fromkeys(("csca_untrusted", "country_mismatch"), "chip_untrusted"),
    **dict.fromkeys(("csca_expired", "signer_expired", "signer_revoked"), "chip_certificate"),
}


def display_refusal(reason: str) -> str:
    """What the customer display tells the citizen (the portal's sentences where it has one)."""
    from segl.portal.refusals import REFUSALS

    own = {
        "password_mismatch": _("The two passwords are not the same. Type the same password twice."),
        "user_id_length": _("A user ID has 4 to 64 characters. Choose another."),
        "user_id_characters": _("Use only letters a-z, digits and . - _ #"),
        "user_id_cpr": _("A user ID must not be a CPR number. Choose another."),
        "code_invalid": _("The code is not correct. Press the button and type the new code."),
        "code_replayed": _("That code has been used. Press the button and type the new code."),
        "locked": _("Too many wrong codes. Ask the operator what to do."),
        "disabled": _("This device is blocked. Ask the operator for another."),
        "nothing_asked": _("Nothing is asked here just now. Wait for the operator."),
        "pairing_code": _(
            "No desk shows that code. Type the 6 digits the operator's screen shows."
        ),
        "pairing_tries": _("Too many wrong codes. Wait 5 minutes and try again."),
        "has_identity": _("You already have a segl."),
    }
    if reason in own:
        return str(own[reason])
    if reason.startswith("chip_") and reason[5:] in SECURITY_KEY_REASONS:
        return chip_texts.registration_refusal(ChipRefused(reason[5:]))
    if reason in REFUSALS:
        return str(REFUSALS[reason])
    return _("That could not be done. Ask the operator.")
