"""The customer display: a screen turned to the citizen, paired with an operator's desk by a
short code. What the desk asks for (a user ID and password, a new password, a device's code) is
typed there and handled here; the operator's screen only learns that it was done.

A display is known by a secret in its browser (kept hashed); its pairing code lives 10 minutes,
and an operator may miss it 5 times in 10 minutes before the desk stops trying."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F

from segl.authenticators.models import Authenticator
from segl.authenticators.services import device_activate
from segl.core.errors import SeglError
from segl.identities.models import Identity
from segl.identities.services import IdentityError, check_user_id, password_hash_new

from .approvals import approval_request, identity_of
from .models import Approval, CustomerDisplay, StockedDevice, Visit
from .staff import StaffRefused
from .visits import desk_audit

PAIRING_MINUTES = 10
PAIRING_MISSES = 5


class Prompt:
    """What a display can be asked for."""

    NEW_IDENTITY = "new_identity"  # a user ID and a password: then creating the identity
    PASSWORD = "password"  # a new password: then resetting it
    DEVICE = "device"  # the code a device shows, and a password if there is none yet
    ACTIVATION_CODE = "activation_code"  # the app's activation code, shown to the citizen
    ALL = frozenset({NEW_IDENTITY, PASSWORD, DEVICE, ACTIVATION_CODE})


class DisplayRefused(SeglError):
    """Refused on the display itself: the citizen sees why and can try again."""

    code = "display_refused"

    def __init__(self, reason: str, field: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def display_new(*, now: datetime) -> tuple[CustomerDisplay, str]:
    """A new display and the secret its browser keeps; it shows a fresh pairing code."""
    token = secrets.token_urlsafe(32)
    display = CustomerDisplay.objects.create(token_hash=_hash(token), created_at=now)
    _new_code(display, now)
    return display, token


def _new_code(display: CustomerDisplay, now: datetime) -> None:
    display.pairing_code = f"{secrets.randbelow(10**6):06d}"
    display.pairing_expires_at = now + timedelta(minutes=PAIRING_MINUTES)
    display.version += 1
    display.save(update_fields=["pairing_code", "pairing_expires_at", "version"])


def display_of(token: str, *, now: datetime) -> CustomerDisplay | None:
    """The display this browser is; an unpaired one whose code ran out gets a new code."""
    display = CustomerDisplay.objects.filter(token_hash=_hash(token)).first() if token else None
    if (
        display
        and display.operator_id is None
        and (not display.pairing_expires_at or display.pairing_expires_at < now)
    ):
        _new_code(display, now)
    return display


def display_pair(*, visit: Visit, code: str, misses: int, now: datetime) -> CustomerDisplay:
    """Pair the display showing ``code`` with the operator of ``visit``. ``misses`` is how many
    wrong codes the operator typed in the last 10 minutes (the desk counts them)."""
    if misses >= PAIRING_MISSES:
        raise StaffRefused("pairing_tries")
    code = "".join(code.split())
    with transaction.atomic():
        display = (
            CustomerDisplay.objects.select_for_update()
            .filter(pairing_code=code, pairing_expires_at__gte=now, operator=None)
            .first()
            if code.isdigit() and len(code) == 6
            else None
        )
        if display is None:
            desk_audit(
                "display_pair",
                visit=visit,
                operator=visit.operator,
                centre=visit.centre,
                outcome="wrong_code",
                now=now,
            )
            raise StaffRefused("pairing_code")
        # One display per operator: an earlier one goes back to showing a code.
        CustomerDisplay.objects.filter(operator=visit.operator).update(
            operator=None, visit=None, centre="", prompt="", prompt_data={}, answer={}
        )
        display.pairing_code, display.pairing_expires_at = "", None
        display.operator, display.visit, display.centre = visit.operator, visit, visit.centre
        display.paired_at = now
        display.prompt, display.prompt_data, display.answer = "", {}, {}
        display.version += 1
        display.save()
        desk_audit(
            "display_pair",
            visit=visit,
            operator=visit.operator,
            centre=visit.centre,
            now=now,
            display=display.pk,
        )
    return display


def display_for(operator: Identity) -> CustomerDisplay | None:
    return CustomerDisplay.objects.filter(operator=operator).first()


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
            CustomerDisplay.objects.select_for_update().filter(operator=visit.operator).first()
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


def display_clear(display: CustomerDisplay) -> None:
    CustomerDisplay.objects.filter(pk=display.pk).update(
        prompt="", prompt_data={}, version=F("version") + 1
    )


def _two_passwords(fields: dict[str, str], user_id: str) -> str:
    password, again = fields.get("password", ""), fields.get("password_again", "")
    if password != again:
        raise DisplayRefused("password_mismatch", "password_again")
    try:
        return password_hash_new(password, user_id=user_id)
    except SeglError as exc:
        raise DisplayRefused(f"password_{getattr(exc, 'reason', 'refused')}", "password") from None


def display_answer(*, display: CustomerDisplay, fields: dict[str, str], now: datetime) -> str:
    """What the citizen typed on the display, for its question; returns what was done."""
    if display.visit_id is None or not display.prompt:
        raise DisplayRefused("nothing_asked")
    visit = (
        Visit.objects.select_related("person", "operator")
        .filter(pk=display.visit_id, ended_at=None, operator=display.operator_id)
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
    return "activated"
