"""A person at the desk: looked up by CPR number, then identified by an ID document the operator
checks in person. In-person proofing with a document is High (DESIGN §3): an identity of the
person is raised to High, never lowered. Every step is audited with who, where and which
document."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from django.db import transaction

from segl.audit.services import audit_record
from segl.core.cpr import mask_cpr, parse_cpr
from segl.core.errors import CprError
from segl.core.sod import issuing_states
from segl.identities.models import AssuranceLevel, Identity, Person

from .models import Appointment, Visit
from .staff import StaffRefused

DOCUMENT_NUMBER = re.compile(r"[A-Z0-9<]{5,20}")


def desk_audit(
    action: str,
    *,
    visit: Visit | None = None,
    operator: Identity,
    centre: str,
    subject: str = "",
    outcome: str = "ok",
    now: datetime,
    **data: Any,
) -> None:
    """One desk event: the operator, the centre, the citizen and the document checked."""
    if visit is not None:
        data.setdefault("visit", visit.pk)
        if visit.identified:
            data.setdefault("document", visit.document_text())
        subject = subject or mask_cpr(visit.person.cpr)
    audit_record(
        action=f"desk.{action}",
        outcome=outcome,
        actor=operator.user_id,
        subject=subject,
        data={"centre": centre, **data},
        at=now,
    )


def person_lookup(*, cpr: str, operator: Identity, centre: str, now: datetime) -> Person:
    """The register's entry for a CPR number; a lookup is audited whether it finds one or not."""
    try:
        parsed = parse_cpr(cpr)
    except CprError:
        raise StaffRefused("cpr_invalid") from None
    person = Person.objects.filter(cpr=parsed.value).first()
    outcome = "ok" if person else "not_found"
    with transaction.atomic():
        desk_audit(
            "lookup",
            operator=operator,
            centre=centre,
            subject=mask_cpr(parsed.value),
            outcome=outcome,
            now=now,
        )
    if person is None:
        raise StaffRefused("person_not_found")
    return person


def visit_start(
    *,
    person: Person,
    operator: Identity,
    centre: str,
    now: datetime,
    appointment: Appointment | None = None,
) -> Visit:
    if operator.person_id == person.pk:
        raise StaffRefused("own_case")  # staff are served by a colleague, like anyone
    with transaction.atomic():
        visit = Visit.objects.create(
            centre=centre, operator=operator, person=person, appointment=appointment, started_at=now
        )
        if appointment is not None:
            Appointment.objects.filter(pk=appointment.pk).update(
                status=Appointment.Status.ATTENDED, updated_at=now
            )
        desk_audit(
            "visit",
            visit=visit,
            operator=operator,
            centre=centre,
            now=now,
            appointment=appointment.reference if appointment else "",
        )
    return visit


def check_document(
    *, kind: str, number: str, country: str, expiry: date, today: date
) -> dict[str, Any]:
    """The document as recorded, or StaffRefused naming the field that is wrong."""
    if kind not in Visit.Document.values or kind == Visit.Document.NONE:
        raise StaffRefused("document_kind")
    number = "".join(number.upper().split())
    if not DOCUMENT_NUMBER.fullmatch(number):
        raise StaffRefused("document_number")
    country = country.strip().upper()
    if country not in issuing_states():
        raise StaffRefused("document_country")
    if expiry < today:
        raise StaffRefused("document_expired")
    return {
        "document_kind": kind,
        "document_number": number,
        "document_country": country,
        "document_expiry": expiry,
    }


def visit_document(
    *, visit: Visit, kind: str, number: str, country: str, expiry: date, now: datetime
) -> Visit:
    """Record the ID document the operator checked. The person's identity, if any, is raised to
    High: this is in-person proofing with a document."""
    fields = check_document(
        kind=kind, number=number, country=country, expiry=expiry, today=now.date()
    )
    with transaction.atomic():
        locked = Visit.objects.select_for_update().select_related("person").get(pk=visit.pk)
        if locked.ended_at is not None:
            raise StaffRefused("visit_ended")
        if locked.identified:
            raise StaffRefused("already_identified")  # a record is not rewritten: a new visit
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.document_checked_at = now
        locked.save(update_fields=[*fields, "document_checked_at"])
        raised = (
            Identity.objects.filter(person=locked.person)
            .exclude(ial=AssuranceLevel.HIGH)
            .update(ial=AssuranceLevel.HIGH)
        )
        desk_audit(
            "document",
            visit=locked,
            operator=locked.operator,
            centre=locked.centre,
            now=now,
            expiry=fields["document_expiry"].isoformat(),
            ial_raised=bool(raised),
        )
    return locked


def visit_without_photo_id(*, visit: Visit, seen: str, now: datetime) -> Visit:
    """The person has no valid photo ID: record what they showed instead. This is not in-person
    proofing: the identity is not raised, and no device is handed over at the desk; what they
    get comes by letter to their address in the people register (:mod:`.letters`)."""
    seen = " ".join(seen.split())
    if not 3 <= len(seen) <= 200:
        raise StaffRefused("documents_seen")
    with transaction.atomic():
        locked = Visit.objects.select_for_update().select_related("person").get(pk=visit.pk)
        if locked.ended_at is not None:
            raise StaffRefused("visit_ended")
        if locked.identified:
            raise StaffRefused("already_identified")
        locked.document_kind, locked.documents_seen = Visit.Document.NONE, seen
        locked.document_checked_at = now
        locked.save(update_fields=["document_kind", "documents_seen", "document_checked_at"])
        desk_audit(
            "no_photo_id", visit=locked, operator=locked.operator, centre=locked.centre, now=now
        )
    return locked


def visit_chip(
    *,
    visit: Visit,
    document_number: str,
    issuing_state: str,
    birth_date: date,
    country: str,
    now: datetime,
) -> Visit:
    """A chip the desk's reader read and passive authentication verified (``country``: its
    signing CA's): it must be the document recorded, of the person at the desk."""
    with transaction.atomic():
        locked = Visit.objects.select_for_update().select_related("person").get(pk=visit.pk)
        if not locked.identified:
            raise StaffRefused("document_first")
        if (document_number, issuing_state) != (locked.document_number, locked.document_country):
            reason = "chip_other_document"
        elif birth_date != locked.person.birth_date:
            reason = "chip_other_person"
        else:
            reason = ""
            locked.chip_checked_at = now
            locked.save(update_fields=["chip_checked_at"])
        desk_audit(
            "chip",
            visit=locked,
            operator=locked.operator,
            centre=locked.centre,
            outcome=reason or "ok",
            now=now,
            signed_in=country,
        )
    if reason:
        raise StaffRefused(reason)
    return locked


def visit_chip_refused(*, visit: Visit, reason: str, now: datetime) -> None:
    """A chip that passive authentication refused: audited, nothing recorded."""
    with transaction.atomic():
        desk_audit(
            "chip",
            visit=visit,
            operator=visit.operator,
            centre=visit.centre,
            outcome=reason,
            now=now,
        )


def visit_end(*, visit: Visit, now: datetime) -> None:
    with transaction.atomic():
        if Visit.objects.filter(pk=visit.pk, ended_at=None).update(ended_at=now):
            desk_audit(
                "visit_end", visit=visit, operator=visit.operator, centre=visit.centre, now=now
            )
