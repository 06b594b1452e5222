"""Proofing with a passport or ID card, step by step (seeds 000, 001: scan the code on the
document, read its chip, scan your face; decision 32).

The app holds the proofing's secret and calls, in order: :func:`proofing_start`,
:func:`proofing_terms`, :func:`proofing_document` (the CPR number and the printed code),
:func:`proofing_chip` (the chip's data groups and EF.SOD; answered with a fresh challenge),
:func:`proofing_chip_answer` (the chip's answer), :func:`proofing_face` (the live capture).
A confirmed identity then gets its user ID (:func:`proofing_identity`) and step 5
(:mod:`.activation`). A face the verifier doubts goes to review (:mod:`.review`).

Rules: each step only after the one before; a proofing expires 15 minutes after it starts (a
confirmed one 15 minutes after it was confirmed); a refusal ends it and says why. A document
or CPR number gets 3 proofings a day that do not confirm an identity (refused, abandoned,
waiting for review or still going); a fourth is refused. Every step is audited. Pictures and
keys are sealed while needed and deleted once decided; a capture that is the chip's own photo
is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, cast

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key
from django.db import transaction

from segl.audit.services import audit_record
from segl.core import lds
from segl.core.chip_auth import ca_keys, point
from segl.core.cpr import mask_cpr, parse_cpr
from segl.core.documents import (
    CloneCheck,
    birth_date,
    check_chip,
    check_clone,
    check_expiry,
    proofing_level,
)
from segl.core.errors import CprError, DocumentRefused, SeglError
from segl.core.identification import passport_number_matches
from segl.core.mrz import Mrz, parse
from segl.core.secure_messaging import read_command
from segl.identities import throttles
from segl.identities.models import Person
from segl.keys import keyring

from .faces import face_verifier
from .models import Proofing
from .trust import trust_list

log = logging.getLogger(__name__)
PROOFING_MINUTES = 15
ATTEMPTS_PER_DAY = 3
HOME_STATE = "DNK"  # the register knows this state's documents by number


class ProofingRefused(SeglError):
    """A proofing step refused; ``reason`` is what the citizen and the operator are told."""

    code = "proofing_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def seal(proofing: Proofing, what: str, data: bytes) -> str:
    return keyring().encrypt(data, aad=f"proofing:{proofing.id}:{what}".encode())


def unseal(proofing: Proofing, what: str, token: str) -> bytes:
    return keyring().decrypt(token, aad=f"proofing:{proofing.id}:{what}".encode())


def _audit(proofing: Proofing, step: str, now: datetime, outcome: str = "ok", **data: Any) -> None:
    subject = mask_cpr(proofing.person.cpr) if proofing.person else ""
    audit_record(
        action=f"proofing.{step}",
        outcome=outcome,
        subject=subject,
        data={"proofing": proofing.id, **data},
        at=now,
    )


def proofing_start(*, now: datetime) -> tuple[Proofing, str]:
    """A new proofing and its secret (which only the app gets)."""
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        proofing = Proofing.objects.create(
            id=secrets.token_urlsafe(16)[:22],
            secret_hash=secret_hash(secret),
            created_at=now,
            expires_at=now + timedelta(minutes=PROOFING_MINUTES),
        )
        _audit(proofing, "start", now)
    return proofing, secret


def proofing_open(secret: str, now: datetime, *states: str) -> Proofing:
    """The proofing whose secret this is, in one of ``states``, locked for the step."""
    proofing = (
        Proofing.objects.select_for_update(of=("self",))  # the person and identity may be none
        .select_related("person", "identity")
        .filter(secret_hash=secret_hash(str(secret)))
        .first()
    )
    if proofing is None:
        raise ProofingRefused("proofing_unknown")
    if proofing.state == Proofing.State.REFUSED:
        raise ProofingRefused(proofing.refusal or "refused")
    if proofing.state != Proofing.State.REVIEW and now >= proofing.expires_at:
        raise ProofingRefused("proofing_expired")
    if proofing.state not in states:
        raise ProofingRefused("proofing_state")
    return proofing


def proofing_status(secret: str) -> Proofing:
    """The proofing whose secret this is, whatever its state (to show where it stands)."""
    proofing = (
        Proofing.objects.select_related("person", "identity")
        .filter(secret_hash=secret_hash(str(secret)))
        .first()
    )
    if proofing is None:
        raise ProofingRefused("proofing_unknown")
    return proofing


def forget(proofing: Proofing) -> None:
    """Delete what was kept only for the next step: pictures, the code, the chip's keys."""
    proofing.printed_mrz = proofing.ephemeral_key = proofing.challenge = ""
    proofing.portrait = proofing.capture = ""
    proofing.chip_keys = {}


def end_refused(proofing: Proofing, reason: str, now: datetime) -> None:
    """End ``proofing`` refused for ``reason``."""
    forget(proofing)
    proofing.state, proofing.refusal, proofing.decided_at = Proofing.State.REFUSED, reason, now
    proofing.save()
    _audit(proofing, "refused", now, outcome=reason)


def _attempts_exhausted(proofing: Proofing, now: datetime) -> bool:
    """Whether the document or the CPR number had 3 proofings today that did not confirm an
    identity: refused, abandoned, waiting for review or still going. Open ones count, so that
    proofings run side by side or left before the face get no more tries."""
    others = (
        Proofing.objects.filter(created_at__gt=now - timedelta(days=1))
        .exclude(pk=proofing.pk)
        .exclude(state=Proofing.State.VERIFIED)
    )
    return any(
        others.filter(**{field: key}).count() >= ATTEMPTS_PER_DAY
        for field, key in (("cpr_key", proofing.cpr_key), ("document_key", proofing.document_key))
    )


def proofing_terms(*, secret: str, now: datetime) -> None:
    """The citizen accepted the terms and was shown the privacy notice."""
    with transaction.atomic():
        proofing = proofing_open(secret, now, Proofing.State.STARTED)
        proofing.terms_accepted_at = now
        proofing.save(update_fields=["terms_accepted_at"])
        _audit(proofing, "terms", now)


def _document_key(mrz: Mrz) -> str:
    return throttles.keyed("proofing document", f"{mrz.issuing_state}\0{mrz.document_number}")


def proofing_document(*, secret: str, cpr: str, mrz_text: str, now: datetime) -> Mrz:
    """The CPR number and the document's printed code. A code that does not read or add up
    is ``MrzInvalid`` (the citizen types or scans again); a document that is not this
    person's, or has expired, ends the proofing."""
    mrz = parse(mrz_text)
    try:
        cpr_value = parse_cpr(cpr).value
    except CprError:
        raise ProofingRefused("cpr_invalid") from None
    refusal = ""
    with transaction.atomic():
        proofing = proofing_open(secret, now, Proofing.State.STARTED)
        if proofing.terms_accepted_at is None:
            raise ProofingRefused("terms")
        proofing.cpr_key = throttles.keyed("proofing cpr", cpr_value)
        proofing.document_key = _document_key(mrz)
        # The person's row, locked: two document steps for one person count one after the
        # other, so side by side they get no more tries than one after another.
        Person.objects.select_for_update().filter(cpr=cpr_value).first()
        if _attempts_exhausted(proofing, now):
            proofing.cpr_key = proofing.document_key = ""  # a refusal while blocked is not counted
            refusal = "too_many_attempts"
        else:
            person = Person.objects.filter(cpr=cpr_value).first()
            refusal = _registered(person, mrz, now)
            # Only a person the document is registered to is named: a refusal says nothing
            # of whether the CPR number is someone's or has segl.
            proofing.person = None if refusal else person
        if not refusal:
            try:
                check_expiry(mrz, now)
            except DocumentRefused as exc:
                refusal = exc.reason
        if refusal:
            end_refused(proofing, refusal, now)
        else:
            proofing.state = Proofing.State.DOCUMENT
            proofing.printed_mrz = seal(proofing, "mrz", mrz_text.encode())
            proofing.document_type = "passport" if mrz.document_code.startswith("P") else "id_card"
            proofing.save()
            _audit(
                proofing,
                "document",
                now,
                document_type=proofing.document_type,
                state=mrz.issuing_state,
            )
    if refusal:
        raise ProofingRefused(refusal)
    return mrz


def _registered(person: Person | None, mrz: Mrz, now: datetime) -> str:
    """Why the register does not tie this document to this person (``""`` if it does): the
    register knows the person's Danish and Greenlandic passport numbers and date of birth; a
    foreign document goes through Borgerservice."""
    if mrz.issuing_state != HOME_STATE:
        return "foreign_document"
    if person is None:
        return "not_registered"
    try:
        born = birth_date(mrz, now.date())
    except DocumentRefused:
        return "not_registered"
    known = [str(number) for number in person.passport_numbers]
    if born != person.birth_date or not passport_number_matches(mrz.document_number, known):
        return "not_registered"
    return ""


def _ca_challenge(dg14: bytes) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    """A fresh key on the curve of the chip's Chip Authentication key, and the protected
    command the chip must answer under the keys agreed with it."""
    ca_key = lds.dg14_security(dg14).ca_key or b""
    try:
        chip_key = load_der_public_key(ca_key)
    except (ValueError, UnsupportedAlgorithm):
        raise DocumentRefused("chip_data_malformed") from None
    if not isinstance(chip_key, ec.EllipticCurvePublicKey):
        raise DocumentRefused("chip_data_malformed")
    ephemeral = ec.generate_private_key(chip_key.curve)
    return ephemeral, read_command(ca_keys(ephemeral, ca_key))


def proofing_chip(
    *, secret: str, groups: Mapping[int, bytes], sod: bytes, now: datetime
) -> dict[str, str]:
    """The chip's data groups and EF.SOD: verified, then the challenge for the chip's key:
    ``{"check": "active_authentication", "challenge": hex}``, or ``{"check":
    "chip_authentication", "ephemeral_key": hex uncompressed point, "command": hex APDU}`` (the
    reader sends the key to the chip, then relays the protected command), or ``"none"``."""
    try:
        trust = trust_list()
    except ValueError:
        log.exception("the trust list (SEGL_PROOFING_TRUST) does not load")
        trust = None
    refusal, answer = "", dict[str, str]()
    with transaction.atomic():
        proofing = proofing_open(secret, now, Proofing.State.DOCUMENT)
        if trust is None:
            raise ProofingRefused("proofing_unavailable")
        printed = parse(unseal(proofing, "mrz", proofing.printed_mrz).decode())
        try:
            checked = check_chip(printed, groups, sod, trust, at=now)
            portrait = lds.dg2_face(groups[2])
            if checked.offered == "chip_authentication":
                ephemeral, command = _ca_challenge(groups[14])
        except DocumentRefused as exc:
            refusal = exc.reason
            end_refused(proofing, refusal, now)
        else:
            proofing.issuing_country = checked.passive.country
            proofing.portrait = seal(proofing, "portrait", portrait)
            proofing.chip_keys = {
                str(n): base64.b64encode(groups[n]).decode() for n in (14, 15) if n in groups
            }
            answer = {"check": checked.offered}
            if checked.offered == "chip_authentication":
                pem = ephemeral.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
                proofing.ephemeral_key = seal(proofing, "ephemeral", pem)
                answer["ephemeral_key"] = point(ephemeral.public_key()).hex()
                answer["command"] = command.hex()
            elif checked.offered == "active_authentication":
                proofing.challenge = secrets.token_hex(8)
                answer["challenge"] = proofing.challenge
            proofing.state = Proofing.State.CHIP
            proofing.save()
            _audit(
                proofing,
                "chip",
                now,
                country=proofing.issuing_country,
                signer=checked.passive.signer,
            )
    if refusal:
        raise ProofingRefused(refusal)
    return answer


def proofing_chip_answer(
    *, secret: str, aa_signature: bytes | None, ca_response: bytes | None, now: datetime
) -> CloneCheck:
    """The chip's answer to the challenge: the clone check passed (or ``"none"``)."""
    refusal = ""
    clone: CloneCheck = "none"
    with transaction.atomic():
        proofing = proofing_open(secret, now, Proofing.State.CHIP)
        groups = {int(n): base64.b64decode(g) for n, g in proofing.chip_keys.items()}
        ephemeral = None
        if proofing.ephemeral_key:
            key = serialization.load_pem_private_key(
                unseal(proofing, "ephemeral", proofing.ephemeral_key), None
            )
            assert isinstance(key, ec.EllipticCurvePrivateKey)
            ephemeral = key
        try:
            clone = check_clone(
                groups,
                challenge=bytes.fromhex(proofing.challenge) if proofing.challenge else b"\0" * 8,
                ephemeral=ephemeral,
                aa_signature=aa_signature if proofing.challenge else None,
                ca_response=ca_response,
            )
        except DocumentRefused as exc:
            refusal = exc.reason
            end_refused(proofing, refusal, now)
        else:
            proofing.clone_check, proofing.state = clone, Proofing.State.FACE
            proofing.challenge = proofing.ephemeral_key = ""
            proofing.chip_keys = {}
            proofing.save()
            _audit(proofing, "chip_answer", now, check=clone)
    if refusal:
        raise ProofingRefused(refusal)
    return clone


def confirm(proofing: Proofing, *, decided_by: list[dict[str, Any]], now: datetime) -> None:
    """The face matched: the identity is confirmed at the level the chip and face give."""
    clone = cast(CloneCheck, proofing.clone_check)
    level = proofing_level(clone, face_matched=True, live=proofing.live)
    assert level is not None
    forget(proofing)
    proofing.state, proofing.face_decision, proofing.level = (
        Proofing.State.VERIFIED,
        "match",
        level.key,
    )
    proofing.face_decided_by, proofing.decided_at = decided_by, now
    proofing.expires_at = now + timedelta(minutes=PROOFING_MINUTES)
    proofing.save()
    _audit(proofing, "confirmed", now, level=level.key, by=[d["by"] for d in decided_by])


def proofing_face(*, secret: str, capture: bytes, now: datetime) -> str:
    """The live capture: ``"match"`` (confirmed) or ``"review"`` (staff will decide). The
    verifier (perhaps a vendor's service) is asked with no row locked; the answer is written
    only if the proofing is still waiting for its face. The chip's own photo sent back as the
    capture is refused: it proves no one is there."""
    if not capture or len(capture) > 2_000_000:
        raise ProofingRefused("capture_invalid")
    with transaction.atomic():
        proofing = proofing_open(secret, now, Proofing.State.FACE)
        portrait = unseal(proofing, "portrait", proofing.portrait)
    if hmac.compare_digest(hashlib.sha256(capture).digest(), hashlib.sha256(portrait).digest()):
        raise ProofingRefused("capture_invalid")
    verifier = face_verifier()
    result = verifier.verify(capture=capture, portrait=portrait)
    with transaction.atomic():
        proofing = proofing_open(secret, now, Proofing.State.FACE)
        proofing.face_score, proofing.live = result.score, result.live
        if result.decision == "match" and result.live:
            decided = [{"by": verifier.name, "score": result.score, "at": now.isoformat()}]
            confirm(proofing, decided_by=decided, now=now)
        else:
            proofing.state, proofing.face_decision = Proofing.State.REVIEW, "review"
            proofing.capture = seal(proofing, "capture", capture)
            proofing.save()
            _audit(proofing, "review", now, verifier=verifier.name, live=result.live)
    return "match" if proofing.state == Proofing.State.VERIFIED else "review"
