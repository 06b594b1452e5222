"""The customer display: a screen turned to the citizen, paired with an operator's desk by a
short code. What the desk asks for (a user ID and password, a new password, a device's code) is
typed there and handled here; the operator's screen only learns that it was done.

The desk shows the code (6 digits, 5 minutes, unique among live offers) and it is typed on the
display, at the desk: only someone who sees the operator's screen can pair one, and a display
out of reach never gets a code to show. The display is then known by a secret in its browser
(kept hashed); tries at a code are limited per address by the caller."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F

from segl.authenticators.models import Authenticator, Kind
from segl.authenticators.registry import kind_of
from segl.authenticators.services import device_activate
from segl.chip.errors import ChipRefused
from segl.chip.kind import ChipProof, parse_answer
from segl.chip.services import registration_begin
from segl.core.errors import SeglError
from segl.identities.models import Identity
from segl.identities.services import IdentityError, check_user_id, password_hash_new

from .approvals import approval_request, identity_of
from .models import Approval, CustomerDisplay, StockedDevice, Visit
from .staff import StaffRefused
from .visits import desk_audit

PAIRING_MINUTES = 5
CLAIMS_PER_ADDRESS = 10  # tries at a code from one address in ``PAIRING_MINUTES``


class Prompt:
    """What a display can be asked for."""

    NEW_IDENTITY = "new_identity"  # a user ID and a password: then creating the identity
    PASSWORD = "password"  # a new password: then resetting it
    DEVICE = "device"  # the code a device shows, and a password if there is none yet
    ACTIVATION_CODE = "activation_code"  # the app's activation code, shown to the citizen
    # A chip: a password if there is none yet, then the chip itself (its registration, begun
    # by the first answer and kept with the question, finished by the second).
    CHIP = "chip"
    ALL = frozenset({NEW_IDENTITY, PASSWORD, DEVICE, ACTIVATION_CODE, CHIP})


class DisplayRefused(SeglError):
    """Refused on the display itself: the citizen sees why and can try again."""

    code = "display_refused"

    def __init__(self, reason: str, field: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def display_offer(*, visit: Visit, now: datetime) -> CustomerDisplay:
    """The desk offers to pair a customer display: a 6-digit code, shown on the operator's own
    screen for ``PAIRING_MINUTES``, that someone at the desk types on the display. No live offer
    shares its code. An earlier offer or display of this operator's ends."""
    with transaction.atomic():
        _unpair(visit.operator)
        taken = set(
            CustomerDisplay.objects.filter(paired_at=None, pairing_expires_at__gte=now).values_list(
                "pairing_code", flat=True
            )
        )
        code = next(
            c for c in iter(lambda: f"{secrets.randbelow(10**6):06d}", "") if c not in taken
        )
        offer = CustomerDisplay.objects.create(
            pairing_code=code,
            pairing_expires_at=now + timedelta(minutes=PAIRING_MINUTES),
            operator=visit.operator,
            visit=visit,
            centre=visit.centre,
            created_at=now,
        )
        desk_audit(
            "display_offer", visit=visit, operator=visit.operator, centre=visit.centre, now=now
        )
    return offer


def _unpair(operator: Identity) -> None:
    """The operator's offer and display end: the display shows the code form again, and
    nothing it showed (an activation code) stays."""
    CustomerDisplay.objects.filter(operator=operator).update(
        operator=None,
        visit=None,
        centre="",
        pairing_code="",
        pairing_expires_at=None,
        prompt="",
        prompt_data={},
        answer={},
        version=F("version") + 1,
    )


def display_claim(*, code: str, now: datetime) -> tuple[CustomerDisplay, str]:
    """The display typed the desk's code: it becomes that desk's display. Returns it and the
    secret its browser keeps (held here only as a hash). The caller limits the tries."""
    code = "".join(code.split())
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        raise DisplayRefused("pairing_code", "code")
    with transaction.atomic():
        offer = (
            CustomerDisplay.objects.select_for_update(of=("self",))
            .select_related("visit__person", "operator")
            .filter(pairing_code=code, pairing_expires_at__gte=now, paired_at=None)
            .exclude(operator=None)
            .first()
        )
        if offer is None or offer.visit is None or offer.operator is None:
            raise DisplayRefused("pairing_code", "code")
        token = secrets.token_urlsafe(32)
        offer.token_hash, offer.paired_at = _hash(token), now
        offer.pairing_code, offer.pairing_expires_at = "", None
        offer.version += 1
        offer.save()
        desk_audit(
            "display_pair",
            visit=offer.visit,
            operator=offer.operator,
            centre=offer.centre,
            now=now,
            display=offer.pk,
        )
    return offer, token


def display_of(token: str) -> CustomerDisplay | None:
    """The display this browser is (paired once; it may have been unpaired since)."""
    return CustomerDisplay.objects.filter(token_hash=_hash(token)).first() if token else None


def display_for(operator: Identity) -> CustomerDisplay | None:
    """The operator's display, or their offer waiting for one."""
    return CustomerDisplay.objects.filter(operator=operator).first()


def display_end(operator: Identity) -> None:
    """The visit ended or the operator logged out: the display forgets what it showed."""
    with transaction.atomic():
        _unpair(operator)


def display_ask(
    *, visit: Visit, prompt: str, now: datetime, data: dict[str, Any] | None = None
) -> CustomerDisplay:
    """Put a question on the operator's display, for the citizen of ``visit``."""
    if prompt not in Prompt.ALL:
        raise StaffRefused("unknown_action")
    if not visit.identified:
        raise StaffRefused("document_first")
    if prompt != Prompt.NEW_IDENTITY and not visit.photo_id:
        raise StaffRefused("photo_id_needed")  # without photo ID, only a new identity
    with transaction.atomic():
        display = (
            CustomerDisplay.objects.select_for_update()
            .filter(operator=visit.operator, centre=visit.centre)
            .exclude(paired_at=None)
            .first()
        )
        if display is None:
            raise StaffRefused("no_display")
        display.visit, display.prompt, display.prompt_data = visit, prompt, data or {}
        display.answer = {}
        display.version = F("version") + 1
        display.save(update_fields=["visit", "prompt", "prompt_data", "answer", "version"])
        desk_audit(
            "display_ask",
            visit=visit,
            operator=visit.operator,
            centre=visit.centre,
            now=now,
            prompt=prompt,
            **{k: v for k, v in (data or {}).items() if k == "serial"},
        )
    display.refresh_from_db()
    return display


def display_code_shown(display: CustomerDisplay) -> None:
    """The activation code has been on the screen once: it is not kept to be shown again."""
    data = {k: v for k, v in display.prompt_data.items() if k != "code"}
    CustomerDisplay.objects.filter(pk=display.pk).update(prompt_data=data)


def _two_passwords(fields: dict[str, str], user_id: str) -> str:
    password, again = fields.get("password", ""), fields.get("password_again", "")
    if password != again:
        raise DisplayRefused("password_mismatch", "password_again")
    try:
        return password_hash_new(password, user_id=user_id)
    except SeglError as exc:
        raise DisplayRefused(f"password_{getattr(exc, 'reason', 'refused')}", "password") from None


def display_answer(*, display: CustomerDisplay, fields: dict[str, str], now: datetime) -> str:
    """What the citizen typed on the display, for the question it showed (``fields["version"]``,
    so an answer never goes to a question asked since); returns what was done."""
    with transaction.atomic():
        shown = CustomerDisplay.objects.select_for_update().filter(pk=display.pk).first()
        if (
            shown is None
            or not shown.prompt
            or shown.visit_id is None
            or shown.operator_id is None
            or fields.get("version") != str(shown.version)
        ):
            raise DisplayRefused("nothing_asked")
        display = shown
        visit = (
            Visit.objects.select_related("person", "operator")
            .filter(
                pk=shown.visit_id,
                ended_at=None,
                operator=shown.operator_id,
                centre=shown.centre,
            )
            .first()
        )
    if visit is None:
        raise DisplayRefused("nothing_asked")
    identity = identity_of(visit)
    if display.prompt == Prompt.NEW_IDENTITY:
        done = _new_identity(visit, identity, fields, now)
    elif display.prompt == Prompt.PASSWORD:
        done = _new_password(visit, identity, fields, now)
    elif display.prompt == Prompt.DEVICE:
        done = _device(visit, identity, display.prompt_data, fields, now)
    elif display.prompt == Prompt.CHIP and "challenge" not in display.prompt_data:
        return _chip_begin(display, identity, fields, now)  # the display asks for the chip next
    elif display.prompt == Prompt.CHIP:
        done = _chip_finish(display, visit, identity, fields, now)
    else:
        done = "seen"
    CustomerDisplay.objects.filter(pk=display.pk).update(
        prompt="", prompt_data={}, answer={"done": done}, version=F("version") + 1
    )
    return done


def _new_identity(
    visit: Visit, identity: Identity | None, fields: dict[str, str], now: datetime
) -> str:
    if identity is not None:
        raise DisplayRefused("has_identity")
    try:
        user_id = check_user_id(fields.get("user_id", ""))
    except IdentityError as exc:
        raise DisplayRefused(exc.reason, "user_id") from None
    if Identity.objects.filter(user_id__iexact=user_id).exists():
        raise DisplayRefused("user_id_taken", "user_id")
    password_hash = _two_passwords(fields, user_id)
    approval_request(
        visit=visit,
        action=Approval.Action.CREATE_IDENTITY,
        operator=visit.operator,
        now=now,
        details={"user_id": user_id},
        password_hash=password_hash,
    )
    return "asked"


def _new_password(
    visit: Visit, identity: Identity | None, fields: dict[str, str], now: datetime
) -> str:
    if identity is None:
        raise DisplayRefused("no_identity")
    approval_request(
        visit=visit,
        action=Approval.Action.RESET_PASSWORD,
        operator=visit.operator,
        now=now,
        password_hash=_two_passwords(fields, identity.user_id),
    )
    return "asked"


def _device(
    visit: Visit,
    identity: Identity | None,
    data: dict[str, Any],
    fields: dict[str, str],
    now: datetime,
) -> str:
    if identity is None:
        raise DisplayRefused("no_identity")
    serial = str(data.get("serial", ""))
    password = None
    if not identity.password_hash:
        _two_passwords(fields, identity.user_id)  # checked here, so the citizen is told here
        password = fields.get("password", "")
    try:
        # Not inside a transaction of ours: a wrong code must stay counted (the lock after 3).
        authenticator: Authenticator = device_activate(
            identity=identity,
            serial=serial,
            code="".join(fields.get("code", "").split()),
            password=password,
            now=now,
            actor=visit.operator.user_id,
        )
    except SeglError as exc:
        raise DisplayRefused(str(getattr(exc, "reason", exc.code)), "code") from None
    _handed_over(visit, serial, authenticator, now)
    return "activated"


def _handed_over(visit: Visit, serial: str, authenticator: Authenticator, now: datetime) -> None:
    with transaction.atomic():
        StockedDevice.objects.filter(device__serial=serial, centre=visit.centre).update(
            handed_over_at=now
        )
        desk_audit(
            "handover",
            visit=visit,
            operator=visit.operator,
            centre=visit.centre,
            now=now,
            serial=serial,
            kind=authenticator.kind,
        )


def _chip_reason(error: SeglError) -> str:
    """A chip's refusal, told apart from a code device's by its prefix (``chip_not_yours``); a
    password the policy refuses keeps the passwords' own reason."""
    if isinstance(error, ChipRefused):
        return f"chip_{error.reason}"
    return str(getattr(error, "reason", error.code))


def _chip_begin(
    display: CustomerDisplay, identity: Identity | None, fields: dict[str, str], now: datetime
) -> str:
    """The chip's first answer: a password if there is none yet; the registration begins."""
    if identity is None:
        raise DisplayRefused("no_identity")
    serial = str(display.prompt_data.get("serial", ""))
    password = None
    if not identity.password_hash:
        _two_passwords(fields, identity.user_id)
        password = fields.get("password", "")
    try:
        options, challenge = registration_begin(
            identity=identity, serial=serial, now=now, password=password
        )
    except SeglError as exc:
        raise DisplayRefused(_chip_reason(exc), "chip") from None
    data = {
        "serial": serial,
        "challenge": challenge,
        "options": {"challenge": challenge, **options},
    }
    CustomerDisplay.objects.filter(pk=display.pk).update(prompt_data=data, version=F("version") + 1)
    return "chip_begun"


def _chip_finish(
    display: CustomerDisplay,
    visit: Visit,
    identity: Identity | None,
    fields: dict[str, str],
    now: datetime,
) -> str:
    """The chip's answer to the challenge kept with the question (never one the page names)."""
    if identity is None:
        raise DisplayRefused("no_identity")
    data = display.prompt_data
    serial, challenge = str(data.get("serial", "")), str(data.get("challenge", ""))
    # Spent whatever the answer: a refusal asks again from the start.
    CustomerDisplay.objects.filter(pk=display.pk).update(
        prompt_data={"serial": serial}, version=F("version") + 1
    )
    try:
        answered, credential = parse_answer(fields.get("reply", ""))
        if answered != challenge:
            raise ChipRefused("challenge_unknown")
        authenticator = kind_of(Kind.CHIP).activate(
            identity=identity, proof=ChipProof(challenge_id=challenge, response=credential), now=now
        )
    except SeglError as exc:
        raise DisplayRefused(_chip_reason(exc), "chip") from None
    _handed_over(visit, serial, authenticator, now)
    return "activated"


def displays_purge(*, now: datetime, keep: timedelta) -> dict[str, int]:
    """Delete pairing offers that ran out and displays no desk has used for ``keep``: a display
    that comes back after that pairs again."""
    stale = CustomerDisplay.objects.filter(operator=None, created_at__lt=now - keep)
    expired = CustomerDisplay.objects.filter(paired_at=None, pairing_expires_at__lt=now - keep)
    removed = stale.delete()[0] + expired.delete()[0]
    return {"customer_displays": removed}
