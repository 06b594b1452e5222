"""Passive authentication (ICAO Doc 9303 Part 11 §5.1): the data read from a chip is what the
issuing state signed.

EF.SOD (tag ``77``) holds CMS SignedData whose content is the LDS security object: a hash of
every data group on the chip (Part 10 §4.6.2). Passive authentication checks, in this order:

1. the SOD is well formed and its signature verifies with its document signer certificate
   (:func:`segl.core.signed_data.open_signed`);
2. every data group read hashes to the value the SOD holds for it (DG1 and DG2 must be there);
3. the document signer is issued by a CSCA of the trust list, is a signer (not a CA, and a
   digital signature key), is valid now and was valid when it signed, is not revoked, and its
   CSCA is valid now;
4. the CSCA's country is the one that issued the document (the MRZ's issuing state).

Each failure is a :class:`DocumentRefused` with its own reason.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from importlib import resources

from asn1crypto import algos, parser
from asn1crypto import core as asn1
from cryptography import x509
from cryptography.x509.oid import ExtendedKeyUsageOID, ObjectIdentifier

from .clock import require_aware
from .errors import DocumentRefused
from .signed_data import PARSE_ERRORS, digest, open_signed
from .trust import TrustList, country

LDS_SECURITY_OBJECT = "2.23.136.1.1.1"  # id-icao-mrtd-security-ldsSecurityObject
SOD_TAG = 23  # 0x77: application class, constructed, tag number 23
REQUIRED_GROUPS = (1, 2)
# Signing keys for other ICAO objects (Part 12 §7.1.1): never a document signer's.
_OTHER_SIGNERS = {
    ObjectIdentifier("2.23.136.1.1.3"),  # CSCA master list signing
    ObjectIdentifier("2.23.136.1.1.8"),  # deviation list signing
    ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
}


class DataGroupHash(asn1.Sequence):  # type: ignore[misc]
    _fields = [("data_group_number", asn1.Integer), ("data_group_hash_value", asn1.OctetString)]


class DataGroupHashValues(asn1.SequenceOf):  # type: ignore[misc]
    _child_spec = DataGroupHash


class LdsVersionInfo(asn1.Sequence):  # type: ignore[misc]
    _fields = [("lds_version", asn1.PrintableString), ("unicode_version", asn1.PrintableString)]


class LdsSecurityObject(asn1.Sequence):  # type: ignore[misc]
    _fields = [
        ("version", asn1.Integer),
        ("hash_algorithm", algos.DigestAlgorithm),
        ("data_group_hash_values", DataGroupHashValues),
        ("lds_version_info", LdsVersionInfo, {"optional": True}),
    ]


@dataclass(frozen=True)
class Passive:
    """What passive authentication established: the groups' hashes were signed by ``signer``,
    issued by the trusted ``csca`` of ``country`` (two letters)."""

    country: str
    signer: str
    csca: str
    signed_at: datetime | None
    hashed_groups: frozenset[int]


@cache
def issuing_states() -> dict[str, str]:
    """ICAO's three-letter issuing states (Part 3 §5) to ISO 3166-1 two-letter codes."""
    data = (
        resources.files("segl.core").joinpath("data").joinpath("issuing-states.json").read_bytes()
    )
    states: dict[str, str] = json.loads(data)
    return states


def unwrap(sod: bytes) -> bytes:
    """The SignedData inside EF.SOD's tag."""
    try:
        class_, method, number, _, content, _ = parser.parse(sod, strict=True)
    except ValueError:
        raise DocumentRefused("chip_data_malformed") from None
    if (class_, method, number) != (1, 1, SOD_TAG):
        raise DocumentRefused("chip_data_malformed")
    return bytes(content)


def group_hashes(content: bytes) -> tuple[str, dict[int, bytes]]:
    """The LDS security object's hash algorithm and its hash of each data group."""
    try:
        lso = LdsSecurityObject.load(content, strict=True)
        hash_name = lso["hash_algorithm"]["algorithm"].native
        listed = lso["data_group_hash_values"]
        values = {v["data_group_number"].native: v["data_group_hash_value"].native for v in listed}
        version = lso["version"].native
    except PARSE_ERRORS:
        raise DocumentRefused("chip_data_malformed") from None
    if version not in (0, 1) or len(values) != len(listed) or not all(1 <= n <= 16 for n in values):
        raise DocumentRefused("chip_data_malformed")
    return hash_name, values


def _check_signer(
    signer: x509.Certificate, trust: TrustList, at: datetime, signed_at: datetime | None
) -> x509.Certificate:
    csca = trust.issuer(signer)
    try:
        constraints = signer.extensions.get_extension_for_class(x509.BasicConstraints).value
        is_ca = constraints.ca
    except x509.ExtensionNotFound:
        is_ca = False
    try:
        usage = signer.extensions.get_extension_for_class(x509.KeyUsage).value
        signs = usage.digital_signature
    except x509.ExtensionNotFound:
        signs = True
    try:
        purposes = set(signer.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        purposes = set()
    if is_ca or not signs or purposes & _OTHER_SIGNERS:
        raise DocumentRefused("signer_not_a_signer")
    for moment in (at, signed_at):
        if (
            moment is not None
            and not signer.not_valid_before_utc <= moment <= signer.not_valid_after_utc
        ):
            raise DocumentRefused("signer_expired")
    if not csca.not_valid_before_utc <= at <= csca.not_valid_after_utc:
        raise DocumentRefused("csca_expired")
    if trust.revoked(signer, csca):
        raise DocumentRefused("signer_revoked")
    return csca


def passive_authentication(
    sod: bytes, groups: Mapping[int, bytes], trust: TrustList, *, issuing_state: str, at: datetime
) -> Passive:
    """Check ``groups`` (data group number: the group as read) against ``sod`` and the trust
    list, at time ``at``, for a document of ``issuing_state`` (the MRZ's three letters)."""
    at = require_aware(at)
    signed = open_signed(unwrap(sod), LDS_SECURITY_OBJECT)
    hash_name, hashes = group_hashes(signed.content)
    for number in REQUIRED_GROUPS:
        if number not in groups or number not in hashes:
            raise DocumentRefused("chip_data_malformed")
    for number, data in groups.items():
        if number not in hashes or digest(hash_name, data) != hashes[number]:
            raise DocumentRefused("chip_data_changed")
    try:
        csca = _check_signer(signed.signer, trust, at, signed.signed_at)
        state = country(csca)
        signer_name = signed.signer.subject.rfc4514_string()
        signer_country = country(signed.signer)
    except (ValueError, TypeError):  # a name or extension in the certificate that does not read
        raise DocumentRefused("chip_data_malformed") from None
    if (
        not state
        or issuing_states().get(issuing_state) != state
        or signer_country not in ("", state)
    ):
        raise DocumentRefused("country_mismatch")
    return Passive(
        country=state,
        signer=signer_name,
        csca=csca.subject.rfc4514_string(),
        signed_at=signed.signed_at,
        hashed_groups=frozenset(hashes),
    )
