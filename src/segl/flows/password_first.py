"""The password a method asks for before anything is proven (the chip's: user ID, password, then
the chip), checked alike for every user ID.

Anyone can type a user ID, so wrong passwords here are counted apart from the identity's own
count (which the steps after a device keep, and which can disable a password): per user ID as
typed, in the same rows for a known and an unknown one, 5 wrong in a row lock it for a while,
longer each time, and never for good. No one can block a citizen's password by typing their
user ID, and nothing here tells a known user ID from an unknown one (decision 17): an unknown
one's password is hashed all the same and is always wrong.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings

from segl.audit.services import audit_record
from segl.core.errors import Disabled, Locked, WrongPassword
from segl.core.throttle import ThrottlePolicy, record_success
from segl.identities import failures, throttles
from segl.identities.passwords import hasher

from .decoys import kind_key
from .models import Flow, UnknownUserThrottle

# Where these counts are kept, per user ID as typed (a password is not a kind).
PASSWORD_FIRST = "password first"


def policy() -> ThrottlePolicy:
    return ThrottlePolicy(
        max_failures=5,
        lock_for=timedelta(minutes=settings.CONFIG.password_lock_minutes),
        limit=None,
    )


def check_password_first(flow: Flow, password: str, now: datetime, ip: str) -> None:
    """Accept the identity's password, or raise ``WrongPassword`` or ``Locked``; a password the
    identity's own count has disabled is refused once it is given right."""
    identity = flow.identity
    data: dict[str, Any] = {"flow": flow.id, "before_possession": True}
    subject = identity.user_id if identity is not None else ""

    def audit(outcome: str, action: str = "password.verify") -> None:
        audit_record(action=action, outcome=outcome, subject=subject, ip=ip, data=data, at=now)

    (row,) = throttles.lock(UnknownUserThrottle, [kind_key(flow, PASSWORD_FIRST)], now)
    try:
        throttles.check([row], now)
    except Locked as refused:
        audit(refused.code)
        raise
    try:
        if identity is None or not identity.password_hash:
            hasher().burn(password)
            raise WrongPassword("no such password")
        hasher().verify(identity.password_hash, password)
    except WrongPassword:
        refusal = throttles.count_failure([row], policy(), now)
        audit("wrong")
        raise refusal or WrongPassword("wrong password") from None
    row.updated_at = now
    row.save(update_fields=[*failures.store(row, record_success(failures.load(row))), "updated_at"])
    if failures.load(identity, "password_").disabled:
        audit("disabled")
        raise Disabled()
    audit("ok")
