"""What the desk says when segl refuses something, by the service's reason code."""

from __future__ import annotations

from django.utils.translation import gettext as _


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
    }
    return sentences.get(reason, _("That could not be done. Nothing was changed."))
