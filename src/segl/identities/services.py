"""Writing people and identities: create, set and verify the password."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from segl import prepared
from segl.audit.services import audit_record
from segl.core import passwords as core_passwords
from segl.core.cpr import mask_cpr, parse_cpr
from segl.core.errors import Disabled, Locked, SeglError, WrongPassword
from segl.core.throttle import (
    FailureState,
    ThrottlePolicy,
    check_not_locked,
    record_failure,
    record_success,
)
from segl.notify.notices import tell

from . import failures
from .models import AssuranceLevel, Identity, Person
from .passwords import blocklist, hasher

USER_ID_ALLOWED = set("abcdefghijklmnopqrstuvwxyz0123456789.-_#")


class IdentityError(SeglError):
    code = "identity_invalid"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def password_policy() -> ThrottlePolicy:
    """5 wrong passwords in a row lock the password for a configurable time (default 15 min),
    each further lock longer; the limit of wrong ones since the last success disables it until
    a new password is set (after a login with the app, or with a new device)."""
    return failures.policy(max_failures=5, lock_minutes=settings.CONFIG.password_lock_minutes)


def check_user_id(raw: str) -> str:
    """A user ID: 4-64 characters of letters, digits and . - _ #, kept as the citizen typed it."""
    user_id = raw.strip()
    if not 4 <= len(user_id) <= 64:
        raise IdentityError("user_id_length")
    if not set(user_id.lower()) <= USER_ID_ALLOWED:
        raise IdentityError("user_id_characters")
    if re.fullmatch(r"[0-9]{6}-?[0-9]{4}", user_id):
        raise IdentityError("user_id_cpr")  # a user ID is not a CPR number, anyone's
    return user_id


def password_hash_new(password: str, *, user_id: str | None = None) -> str:
    """Check a new password against the policy and hash it (raises PasswordRejected)."""
    normalised = core_passwords.check_new_password(password, blocklist=blocklist(), user_id=user_id)
    return hasher().hash(normalised)


def normalise_phone(raw: str) -> str:
    """A mobile number in international form: ``+4512345678``; eight digits alone are Danish."""
    text = "".join(str(raw).replace("-", " ").split())
    if text.startswith("00"):
        text = "+" + text[2:]
    if text.isdigit() and len(text) == 8:
        text = "+45" + text
    if not (text.startswith("+") and text[1:].isdigit() and 8 <= len(text) - 1 <= 15):
        raise IdentityError("phone")
    return text


def normalise_email(raw: str) -> str:
    """An e-mail address as Django's validator accepts it, the domain in lower case."""
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    text = str(raw).strip()
    try:
        validate_email(text)
    except ValidationError:
        raise IdentityError("email") from None
    local, _, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def person_create(
    *,
    cpr: str,
    given_name: str,
    family_name: str,
    address: str = "",
    country: str = "DK",
    passport_numbers: list[str] | None = None,
    actor: str = "",
    birth_date: date | None = None,
    phone: str = "",
    email: str = "",
) -> Person:
    parsed = parse_cpr(cpr)
    phone = normalise_phone(phone) if phone else ""
    email = normalise_email(email) if email else ""
    with transaction.atomic():
        if Person.objects.filter(cpr=parsed.value).exists():
            raise IdentityError("cpr_exists")
        person = Person.objects.create(
            cpr=parsed.value,
            given_name=given_name.strip(),
            family_name=family_name.strip(),
            birth_date=birth_date or parsed.birth_date,
            address=address,
            country=country,
            passport_numbers=passport_numbers or [],
            phone=phone,
            email=email,
        )
        audit_record(action="person.create", actor=actor, subject=mask_cpr(parsed.value))
    return person


def identity_create(
    *,
    person: Person,
    user_id: str,
    ial: str = AssuranceLevel.SUBSTANTIAL,
    actor: str = "",
    now: datetime,
) -> Identity:
    checked = check_user_id(user_id)
    if ial not in AssuranceLevel.values:
        raise IdentityError("ial")
    try:
        with transaction.atomic():
            if Identity.objects.filter(user_id__iexact=checked).exists():
                raise IdentityError("user_id_taken")
            identity = Identity.objects.create(person=person, user_id=checked, ial=ial)
            audit_record(
                action="identity.create",
                actor=actor,
                subject=checked,
                data={"person": mask_cpr(person.cpr), "ial": ial},
                at=now,
            )
    except IntegrityError:
        # Two creations racing for one user ID (or one person): the loser gets a clear error.
        raise IdentityError("user_id_taken") from None
    return identity


def identity_phone_set(*, identity: Identity, phone: str, now: datetime, actor: str = "") -> str:
    """Set or change the mobile number temporary PIN codes and notices go to; returns it in
    international form. The person is told on the number and e-mail they had, so a change they
    did not make does not go unseen."""
    number = normalise_phone(phone)
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=identity.person_id)
        previous = person.phone
        if previous == number:
            return number
        tell(person, "phone_changed", now=now)
        Person.objects.filter(pk=person.pk).update(phone=number)
        audit_record(
            action="identity.phone",
            actor=actor,
            subject=identity.user_id,
            data={"phone": mask_phone(number), "had_phone": bool(previous)},
            at=now,
        )
    return number


def mask_phone(number: str) -> str:
    """A mobile number for the audit log: the country code and the last two digits."""
    return number[:3] + "*" * (len(number) - 5) + number[-2:]


def new_password_fields(identity: Identity, password_hash: str, now: datetime) -> list[str]:
    """Give ``identity`` (locked, saved by the caller) a new password's hash, with its count of
    wrong tries cleared; the fields to save."""
    identity.password_hash = password_hash
    identity.password_changed_at = now
    return [
        "password_hash",
        "password_changed_at",
        *failures.store(identity, FailureState(), "password_"),
    ]


def identity_set_password(
    *, identity: Identity, password: str, now: datetime, actor: str = "", ip: str = ""
) -> None:
    encoded = password_hash_new(password, user_id=identity.user_id)
    with transaction.atomic():
        Identity.objects.filter(pk=identity.pk).update(
            password_hash=encoded, password_changed_at=now, **failures.cleared("password_")
        )
        audit_record(action="password.set", actor=actor, subject=identity.user_id, ip=ip, at=now)


_LOCKED_IDENTITY = prepared.Prepared(
    lambda pk: Identity.objects.select_for_update().select_related("person").filter(pk=pk),
    pk=uuid.UUID,
)


def identity_verify_password(
    *, identity_id: uuid.UUID, password: str, now: datetime, ip: str = "", flow_id: str = ""
) -> None:
    """Verify the password; 5 wrong in a row lock it, for longer each time, and the limit of
    wrong ones since the last success disables it (the citizen is told). Refusals are committed,
    then raised."""
    failure: SeglError | None = None
    # No savepoint inside a login's transaction: a refusal is raised after this block, so
    # nothing leaves it by an exception on purpose.
    with transaction.atomic(savepoint=False):
        identity = _LOCKED_IDENTITY.get(pk=identity_id)
        state = failures.load(identity, "password_")
        data = {"flow": flow_id} if flow_id else {}
        try:
            check_not_locked(state, now=now)
            if not identity.password_hash:
                hasher().burn(password)
                raise WrongPassword("no password set")
            hasher().verify(identity.password_hash, core_passwords.normalise_password(password))
        except (Locked, Disabled) as exc:
            failure = exc
            audit_record(
                action="password.verify",
                outcome=exc.code,
                subject=identity.user_id,
                ip=ip,
                data=data,
                at=now,
            )
        except WrongPassword as exc:
            state = record_failure(password_policy(), state, now=now)
            failure = Locked(state.locked_until) if state.locked_until else exc
            audit_record(
                action="password.verify",
                outcome="wrong",
                subject=identity.user_id,
                ip=ip,
                data=data,
                at=now,
            )
            if state.disabled:
                failure = Disabled()
                audit_record(
                    action="password.disable", subject=identity.user_id, ip=ip, data=data, at=now
                )
                # Only someone with an app in use is told to log in with it.
                has_app = identity.authenticators.filter(kind="app", status="active").exists()
                notice = "password_disabled" if has_app else "password_disabled_no_app"
                tell(identity.person, notice, now=now)
        else:
            state = record_success(state)
            if hasher().needs_rehash(identity.password_hash):
                identity.password_hash = hasher().hash(core_passwords.normalise_password(password))
            audit_record(
                action="password.verify", subject=identity.user_id, ip=ip, data=data, at=now
            )
        fields = failures.store(identity, state, "password_")
        prepared.save(identity, update_fields=[*fields, "password_hash"])
    if failure is not None:
        raise failure
