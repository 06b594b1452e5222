"""The way on for a person with no valid photo ID (issue 12: "a documented fallback, not a dead
end"): the desk records what they showed instead, a second staff member approves their new
identity (at Substantial, not High), and the app's activation code goes by letter to their
address in the people register, never to the desk. Receiving the letter at that address, and
then the temporary PIN by SMS to their registered number, is what proves them."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from segl.app.services.activation import activation_code_issue
from segl.app.services.base import policy
from segl.notify.gateways import send_letter

from .approvals import identity_of
from .models import Visit
from .staff import StaffRefused
from .visits import desk_audit


def letter_send(*, visit: Visit, now: datetime) -> str:
    """Send the app's activation code by letter to the person's registered address; returns the
    address it went to."""
    identity = identity_of(visit)
    if not visit.identified:
        raise StaffRefused("document_first")
    if identity is None:
        raise StaffRefused("no_identity")
    person = visit.person
    if not person.address.strip():
        raise StaffRefused("no_address")
    with transaction.atomic():
        code = activation_code_issue(identity=identity, now=now, issued_by=visit.operator.user_id)
        text = (
            f"{person.name}\n{person.address}\n\n"
            f"segl: Din aktiveringskode til segl-appen er {code} (bruger-ID {identity.user_id}). "
            "Vælg Aktivér i appen og skriv bruger-ID og kode; den gælder i 7 dage. "
            "Du får en midlertidig PIN-kode på sms.\n\n"
            f"segl: Your activation code for the segl app is {code} (user ID {identity.user_id}). "
            "Choose Activate in the app and type the user ID and the code; it is good for 7 days. "
            "A temporary PIN code comes by SMS."
        )
        good_until = now + timedelta(days=policy().activation_code_days)
        send_letter(
            to=person.address,
            text=text,
            purpose="activation_letter",
            now=now,
            secret_until=good_until,
        )
        desk_audit("letter", visit=visit, operator=visit.operator, centre=visit.centre, now=now)
    return person.address
