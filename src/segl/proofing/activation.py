"""After the identity is confirmed: the user ID, then step 5, "How do you want to use segl?"
(seed 002).

:func:`proofing_identity` gives the person their segl: a new identity with the user ID they
choose (the portal's rules: not a CPR number), or the one they have. Someone who has segl and
lost everything starts again (``restart``): every authenticator they had is retired and they
are told on every channel. The identity's level (``ial``) is raised to the proofing's, never
lowered, and a :class:`ProofingRecord` keeps how it was reached.

Step 5, once, while the confirmed proofing lasts (15 minutes, a day after a review):

1. :func:`proofing_app_here`: a temporary PIN by SMS for the app on this phone, which then
   finishes as any activation (PIN, biometrics, notifications);
2. :func:`proofing_app_elsewhere`: a QR code (3 minutes) for an app on another phone, with the
   copy flow's proximity check (:func:`proofing_app_elsewhere_confirm`);
3. :func:`proofing_device`: "Yes, activate" a code display or audio code reader (password,
   serial number, code); :func:`proofing_order`: "No, order" one, identified by this proofing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction

from segl.app.services import (
    AppActivation,
    CopyOffer,
    copy_completed_since,
    copy_confirm,
    copy_offer_for_proofing,
    copy_status,
    new_activation,
)
from segl.audit.services import audit_record
from segl.authenticators.models import Authenticator, Device, Kind
from segl.authenticators.registry import kind_of
from segl.authenticators.services import authenticator_retire, device_activate
from segl.centres.registry import centres
from segl.chip.errors import ChipRefused
from segl.chip.kind import ChipProof
from segl.chip.services import registration_begin
from segl.core.assurance import Level
from segl.core.serials import normalise_serial
from segl.identities.models import Identity
from segl.identities.services import IdentityError, identity_create
from segl.notify.notices import tell
from segl.orders.models import Order
from segl.orders.services import order_place, order_quote

from .models import Proofing, ProofingRecord
from .services import ProofingRefused, proofing_open


def _confirmed(
    secret: str, now: datetime, *, with_identity: bool = True, use: str = ""
) -> Proofing:
    """The confirmed proofing; for step 5 (``use``), one that has not been used for another
    step 5 yet: a proofing binds one authenticator (or places one order). A QR code for
    another phone may be shown again until a new app has been activated with one."""
    proofing = proofing_open(secret, now, Proofing.State.VERIFIED)
    if with_identity and proofing.identity is None:
        raise ProofingRefused("identity_missing")
    if proofing.used_for == "done" or (use and proofing.used_for not in ("", use)):
        raise ProofingRefused("proofing_used")
    return proofing


def _use(proofing: Proofing, use: str) -> None:
    proofing.used_for = use
    proofing.save(update_fields=["used_for"])


def proofing_identity(
    *, secret: str, user_id: str = "", restart: bool = False, now: datetime
) -> Identity:
    """The person's segl after the proofing: made with ``user_id``, or the one they have."""
    with transaction.atomic():
        proofing = _confirmed(secret, now, with_identity=False)
        person = proofing.person
        assert person is not None
        if proofing.identity is not None:
            return proofing.identity
        identity = Identity.objects.select_for_update().filter(person=person).first()
        if identity is None:
            try:
                identity = identity_create(
                    person=person, user_id=user_id, ial=proofing.level, actor="proofing", now=now
                )
            except IdentityError as exc:
                raise ProofingRefused(exc.reason) from None
        else:
            if not identity.is_active:
                raise ProofingRefused("identity_not_active")
            if Level.from_key(proofing.level) > Level.from_key(identity.ial):
                identity.ial = proofing.level  # never lowered: a weaker proofing adds nothing
                identity.save(update_fields=["ial"])
            if restart:
                _retire_all(identity, now)
        ProofingRecord.objects.create(
            identity=identity,
            proofing_id=proofing.id,
            document_type=proofing.document_type,
            issuing_country=proofing.issuing_country,
            chip_verified=True,
            clone_check=proofing.clone_check,
            face_decision=proofing.face_decision,
            face_decided_by=proofing.face_decided_by,
            level=proofing.level,
            at=now,
        )
        proofing.identity = identity
        proofing.save(update_fields=["identity"])
        audit_record(
            action="proofing.identity",
            subject=identity.user_id,
            data={"proofing": proofing.id, "level": proofing.level, "restart": restart},
            at=now,
        )
    return identity


def _retire_all(identity: Identity, now: datetime) -> None:
    live = Authenticator.objects.filter(
        identity=identity, status__in=(Authenticator.Status.ACTIVE, Authenticator.Status.SUSPENDED)
    )
    for authenticator_id in live.values_list("pk", flat=True):
        authenticator_retire(authenticator_id=authenticator_id, now=now, actor="proofing")
    tell(identity.person, "proofing_restarted", now=now)


def proofing_app_here(*, secret: str, now: datetime, ip: str = "") -> AppActivation:
    """1. On this phone: a temporary PIN by SMS; the app finishes with ``activation_finish``."""
    with transaction.atomic():
        proofing = _confirmed(secret, now, use="done")
        assert proofing.identity is not None
        _use(proofing, "done")
        activation, _pin = new_activation(
            proofing.identity, AppActivation.Via.PROOFING, now, level=proofing.level
        )
        audit_record(
            action="app.activation_start",
            subject=proofing.identity.user_id,
            ip=ip,
            data={"via": "proofing", "proofing": proofing.id},
            at=now,
        )
    return activation


def proofing_app_elsewhere(*, secret: str, now: datetime, ip: str = "") -> tuple[CopyOffer, str]:
    """2. On another phone or tablet: the QR code this phone shows (3 minutes)."""
    with transaction.atomic():
        proofing = _confirmed(secret, now, use="copy")
        assert proofing.identity is not None
        if proofing.decided_at and copy_completed_since(
            identity=proofing.identity, since=proofing.decided_at
        ):
            raise ProofingRefused("proofing_used")  # its QR code has activated an app already
        _use(proofing, "copy")
        return copy_offer_for_proofing(
            identity=proofing.identity, level=proofing.level, now=now, ip=ip
        )


def proofing_app_elsewhere_status(*, secret: str, offer_id: str, now: datetime) -> CopyOffer:
    with transaction.atomic():
        proofing = _confirmed(secret, now)
    return copy_status(instance=None, identity=proofing.identity, offer_id=offer_id)


def proofing_app_elsewhere_confirm(
    *, secret: str, offer_id: str, code: str, now: datetime, ip: str = ""
) -> CopyOffer:
    """The new app's short code, typed on this phone (the proximity check)."""
    with transaction.atomic():
        proofing = _confirmed(secret, now)
    return copy_confirm(
        instance=None, identity=proofing.identity, offer_id=offer_id, code=code, now=now, ip=ip
    )


def proofing_device(
    *, secret: str, serial: str, code: str, password: str, now: datetime, ip: str = ""
) -> Authenticator:
    """3. "Yes, activate": the password created and confirmed, the serial number from the back
    and the code the device shows or reads aloud."""
    with transaction.atomic():
        proofing = _confirmed(secret, now, use="done")
        assert proofing.identity is not None
    made = device_activate(
        identity=proofing.identity,
        serial=serial,
        code=code,
        password=password,
        now=now,
        actor="proofing",
        ip=ip,
    )
    with transaction.atomic():  # a wrong code leaves the proofing for another try; this ends it
        _use(proofing_open(secret, now, Proofing.State.VERIFIED), "done")
    return made


def proofing_chip_begin(
    *, secret: str, serial: str, password: str, now: datetime
) -> dict[str, Any]:
    """3. "Yes, activate" a chip: the password created and confirmed, the serial number from the
    back; the chip's registration begins (the options for the browser and the challenge's id),
    and :func:`proofing_chip_finish` ends it."""
    with transaction.atomic():
        proofing = _confirmed(secret, now)
        assert proofing.identity is not None
    # A chip has no code to prove it is the one in hand (decision 37): only one sent to this
    # person on an order is activated here; one from a centre's shelf is handed over there.
    sent = Order.objects.filter(
        device__serial=normalise_serial(serial),
        device__status=Device.Status.ASSIGNED,
        person=proofing.identity.person,
    )
    if not sent.exists():
        raise ChipRefused("unknown_serial")
    options, challenge = registration_begin(
        identity=proofing.identity, serial=serial, now=now, password=password
    )
    return {"challenge": challenge, **options}


def proofing_chip_finish(
    *, secret: str, challenge: str, credential: dict[str, Any], now: datetime
) -> Authenticator:
    """The chip's answer: activated for the proofed identity (the challenge must be its own)."""
    with transaction.atomic():
        proofing = _confirmed(secret, now, use="done")
        assert proofing.identity is not None
    made = kind_of(Kind.CHIP).activate(
        identity=proofing.identity,
        proof=ChipProof(challenge_id=challenge, response=credential),
        now=now,
    )
    with transaction.atomic():  # a refused chip leaves the proofing for another try; this ends it
        _use(proofing_open(secret, now, Proofing.State.VERIFIED), "done")
    return made


def proofing_quote(*, secret: str, kind: str, now: datetime) -> dict[str, Any]:
    """What a device of ``kind`` costs the proofed person, where it goes, and the centres."""
    with transaction.atomic():
        proofing = _confirmed(secret, now)
        assert proofing.identity is not None
    person = proofing.identity.person
    if kind not in Order.Kind.values:
        raise ProofingRefused("kind")
    price, (first, last) = order_quote(
        kind=kind, person=person, delivery="post", country=person.country, now=now
    )
    return {
        "kind": kind,
        "price": price,
        "delivery_from": first.isoformat(),
        "delivery_to": last.isoformat(),
        "address": person.address,
        "centres": [{"id": c.id, "name": c.name, "address": c.address} for c in centres().values()],
    }


def proofing_order(
    *,
    secret: str,
    key: str,
    kind: str,
    delivery: str,
    centre: str,
    now: datetime,
    ip: str = "",
    expected_price: int | None = None,
) -> Order:
    """3. "No, order": a device for the proofed person, sent to their registered address or
    to a citizen service centre."""
    with transaction.atomic():
        proofing = _confirmed(secret, now, use="order")
        assert proofing.identity is not None
        again = Order.objects.filter(idempotency_key=key, person=proofing.identity.person)
        if proofing.used_for == "order" and not again.exists():
            raise ProofingRefused("proofing_used")  # one order; the same form sent twice is it
    placed = order_place(
        key=key,
        kind=kind,
        person=proofing.identity.person,
        identified_by=Order.IdentifiedBy.PROOFING,
        delivery=delivery,
        centre=centre,
        now=now,
        actor="proofing",
        ip=ip,
        expected_price=expected_price,
    )
    with transaction.atomic():
        _use(proofing_open(secret, now, Proofing.State.VERIFIED), "order")
    return placed


def proofing_summary(proofing: Proofing) -> dict[str, Any]:
    """What the app shows of a proofing."""
    return {
        "state": proofing.state,
        "refusal": proofing.refusal or None,
        "level": proofing.level or None,
        "document_type": proofing.document_type or None,
        "user_id": proofing.identity.user_id if proofing.identity else None,
        "has_segl": proofing.state == Proofing.State.VERIFIED
        and bool(proofing.person and Identity.objects.filter(person=proofing.person).exists()),
        "expires_at": proofing.expires_at.isoformat(),
    }
