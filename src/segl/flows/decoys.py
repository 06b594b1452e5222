"""Decoy steps: what a login does for a method the user ID has no usable authenticator of — an
unknown user ID, or a known one choosing a kind it does not have (decision 17).

A decoy step does the same work as the real step and fails as it would: a code step looks up,
locks, decrypts, verifies, counts and audits, and suspends after 3 wrong codes in a row, with
the count kept per user ID and kind, as a real device keeps its own. It never succeeds. (A
password asked first, the chip's, is checked alike for every user ID: ``password_first``.)
"""

from __future__ import annotations

import contextlib
import secrets
from datetime import datetime
from typing import Any, NoReturn

from segl.audit.services import audit_record
from segl.authenticators.services import code_policy
from segl.core import otp
from segl.core.errors import Disabled, InvalidCode, Locked
from segl.identities import throttles
from segl.keys import keyring

from .models import Flow, UnknownUserThrottle

_DECOY_AAD = b"decoy"


def user_key(user_id: str) -> str:
    """The keyed hash of a user ID as typed (case and spaces aside): decoys keep their counts
    under it, so the tables never list who was tried."""
    return throttles.keyed("unknown user ID", user_id.strip().casefold())


def kind_key(flow: Flow, kind: str) -> str:
    """Where a decoy step of ``kind`` keeps what a real authenticator of that kind would keep
    (a count of wrong codes, the app's open requests), for the flow's user ID."""
    # A flow begun before user ID keys were kept counts on its own.
    return throttles.keyed(f"decoy {kind}", flow.decoy_key or flow.id)


def decoy_code(flow: Flow, code: str, now: datetime, ip: str) -> NoReturn:
    """Check a one-time code as a real device would, and fail like it: wrong, or suspended
    after 3 wrong codes in a row for as long as a device is, and blocked at the limit
    on wrong codes since the last success."""
    base = {"flow": flow.id, "decoy": flow.method, "unknown_user": flow.identity is None}
    subject = flow.identity.user_id if flow.identity is not None else ""

    def audit(action: str, outcome: str, **data: Any) -> None:
        audit_record(
            action=action, outcome=outcome, subject=subject, ip=ip, data={**base, **data}, at=now
        )

    rows = throttles.lock(UnknownUserThrottle, [kind_key(flow, flow.method)], now)
    try:
        throttles.check(rows, now)
    except (Locked, Disabled) as refused:
        audit("code.verify", refused.code)
        raise
    ring = keyring()
    secret = ring.decrypt(ring.encrypt(secrets.token_bytes(20), aad=_DECOY_AAD), aad=_DECOY_AAD)
    with contextlib.suppress(InvalidCode):
        otp.verify_totp(secret, otp.normalise_code(code, 6), now=now, state=otp.TotpState())
    refusal = throttles.count_failure(rows, code_policy(), now)
    audit("code.verify", "code_invalid")
    # The same events a real device's lock and block write (authenticators.codes), so that a
    # decoy does the same work at the same tries.
    if isinstance(refusal, Disabled):
        audit("device.disable", "disabled", failures=rows[0].failures_total)
    elif isinstance(refusal, Locked):
        audit("device.suspend_temporarily", "locked", until=refusal.until.isoformat())
    raise refusal or InvalidCode("wrong code")
