"""Identifying by CPR number and Danish or Greenlandic passport number (seeds 000, 001), to order
or activate a device on the portal without a login.

Every input is treated alike, whether the CPR number is someone's, no one's or not a CPR number
at all, and whatever the passport number holds: the same look-up and comparisons
(:mod:`segl.core.identification`), the same counting, the same audit event and the same answer.

Wrong tries are counted per keyed hash of the CPR number: 3 in a row lock it for 15 minutes,
each further lock lasts twice as long as the one before, and the limit of wrong tries since the
last success (``SEGL_FAILURE_LIMIT``, 100) blocks identification with that CPR number until the
person logs in with segl (:func:`identification_recover`); the person is told. They are counted
per address too, with the same growing locks but no limit: an address is no one's account, and
blocking it would shut out everyone behind it. A success ends the CPR number's count and the
address's running total, not the address's run of wrong tries in a row: one person's success
must not buy anyone more tries from there. Every refusal is audited, also while locked.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from segl.audit.services import audit_record
from segl.core.cpr import mask_cpr, parse_cpr
from segl.core.errors import CprError, Disabled, Locked
from segl.core.identification import passport_number_matches
from segl.core.throttle import ThrottlePolicy, forgive_total, record_success
from segl.identities import failures, throttles
from segl.identities.models import Person
from segl.notify.notices import tell

from .models import IdentificationThrottle
from .services import OrderRefused

__all__ = [
    "address_policy",
    "identification_policy",
    "identification_recover",
    "identify_by_passport",
]


def identification_policy() -> ThrottlePolicy:
    """Per CPR number: 3 wrong tries in a row lock for 15 minutes; growing locks; the limit."""
    return failures.policy(max_failures=3, lock_minutes=15)


def address_policy() -> ThrottlePolicy:
    """Per address: the same growing locks, and no limit."""
    return failures.policy(max_failures=3, lock_minutes=15, limited=False)


def _cpr_value(cpr: str) -> str:
    try:
        return parse_cpr(cpr).value
    except CprError:
        return ""


def _cpr_key(cpr: str) -> str:
    # Not a CPR number: counted under what was typed, which can lock only itself.
    return throttles.keyed("order identification\0cpr", _cpr_value(cpr) or cpr.strip())


def _address_key(ip: str) -> str:
    return throttles.keyed("order identification\0ip", ip)


def _look_up(cpr: str, passport: str) -> tuple[Person | None, bool]:
    """The person with this CPR number, if any, and whether the passport number is theirs: one
    query and the same comparisons for every input."""
    person = Person.objects.filter(cpr=_cpr_value(cpr)).first()
    known = [str(number) for number in person.passport_numbers] if person else []
    return person, passport_number_matches(passport, known)


def identify_by_passport(*, cpr: str, passport: str, now: datetime, ip: str = "") -> Person:
    """The person with this CPR number and this passport number; raises ``OrderRefused``
    (``identification_failed``), ``Locked`` or ``Disabled``. Refusals are committed (count,
    audit, notice) before they are raised."""
    subject = mask_cpr(cpr)
    with transaction.atomic():
        refusal = _identify(cpr, passport, subject=subject, now=now, ip=ip)
        if isinstance(refusal, Person):
            return refusal
    raise refusal or OrderRefused("identification_failed")


def _identify(
    cpr: str, passport: str, *, subject: str, now: datetime, ip: str
) -> Person | Disabled | Locked | None:
    """The person, or the refusal to raise once what it counted is committed (None: only
    wrong)."""
    counted = throttles.lock(IdentificationThrottle, [_cpr_key(cpr), _address_key(ip)], now)
    try:
        throttles.check(counted, now)
    except (Locked, Disabled) as exc:
        until = {"until": exc.until.isoformat()} if isinstance(exc, Locked) else {}
        audit_record(
            action="order.identify",
            outcome="refused",
            subject=subject,
            ip=ip,
            data={"because": exc.code, **until},
            at=now,
        )
        return exc
    person, matched = _look_up(cpr, passport)
    by_cpr, by_address = counted
    if matched and person is not None:
        for row, state in (
            (by_cpr, record_success(failures.load(by_cpr))),
            (by_address, forgive_total(failures.load(by_address))),
        ):
            row.updated_at = now
            row.save(update_fields=[*failures.store(row, state), "updated_at"])
        audit_record(action="order.identify", subject=subject, ip=ip, data={}, at=now)
        return person
    by_person = throttles.count_failure([by_cpr], identification_policy(), now)
    if isinstance(by_person, Disabled) and person is not None:
        tell(person, "identification_disabled", now=now)
    from_address = throttles.count_failure([by_address], address_policy(), now)
    refusal = throttles.graver(by_person, from_address)
    audit_record(
        action="order.identify",
        outcome=refusal.code if refusal else "wrong",
        subject=subject,
        ip=ip,
        data={},
        at=now,
    )
    return refusal


def identification_recover(*, person: Person, now: datetime, ip: str = "") -> None:
    """The person has logged in with segl (a fresh identification): identification with their
    CPR number and passport number is open again, with a fresh count."""
    key = _cpr_key(person.cpr)
    with transaction.atomic():
        row = IdentificationThrottle.objects.select_for_update().filter(key=key).first()
        if row is None or failures.load(row) == record_success(failures.load(row)):
            return
        was_disabled = row.disabled_at is not None
        IdentificationThrottle.objects.filter(key=key).update(**failures.cleared(), updated_at=now)
        if was_disabled:
            audit_record(
                action="order.identification_recover",
                subject=mask_cpr(person.cpr),
                ip=ip,
                data={},
                at=now,
            )
