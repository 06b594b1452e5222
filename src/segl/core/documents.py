"""Checking a travel document for identity proofing: the printed zone, the chip's data, the
chip itself, and the level the result can give.

The reader talks to the chip twice, as a native reader would:

1. it sends the data groups and EF.SOD; :func:`check_chip` refuses an expired document, runs
   passive authentication (:mod:`segl.core.sod`), and requires DG1 to be the printed zone.
   It says which clone check the chip offers (:func:`clone_check_offered`): Active
   Authentication where there is DG15, else Chip Authentication where DG14 has a key for it;
2. it sends the chip's answer to the server's fresh challenge; :func:`check_clone` verifies it
   (:mod:`segl.core.chip_auth`).

:func:`proofing_level`: a chip verified by passive authentication, proved genuine, and a face
that matched and was shown to be a live person's is High; a chip that cannot prove it holds its
key (no DG14 or DG15), or a face whose liveness nothing established, at most Substantial;
without a matched face, nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from cryptography.hazmat.primitives.asymmetric import ec

from . import lds
from .assurance import Level
from .chip_auth import verify_active_authentication, verify_chip_authentication
from .clock import require_aware
from .errors import DocumentRefused
from .mrz import Mrz
from .sod import Passive, passive_authentication
from .trust import TrustList

CloneCheck = Literal["chip_authentication", "active_authentication", "none"]
READ_GROUPS = frozenset({1, 2, 14, 15})  # what proofing reads; others are not asked for


def expiry_date(mrz: Mrz) -> date:
    """The date of expiry (YYMMDD; documents expire in this century)."""
    return date(
        2000 + int(mrz.expiry_date[:2]), int(mrz.expiry_date[2:4]), int(mrz.expiry_date[4:])
    )


def birth_date(mrz: Mrz, today: date) -> date:
    """The date of birth: the latest century that puts it on or before ``today``."""
    yy, month, day = int(mrz.birth_date[:2]), int(mrz.birth_date[2:4]), int(mrz.birth_date[4:])
    century = 2000 if 2000 + yy <= today.year else 1900
    try:
        born = date(century + yy, month, day)
    except ValueError:
        raise DocumentRefused("chip_data_malformed") from None
    return born if born <= today else date(century - 100 + yy, month, day)


def check_expiry(printed: Mrz, at: datetime) -> None:
    try:
        expires = expiry_date(printed)
    except ValueError:
        raise DocumentRefused("chip_data_malformed") from None
    if expires < require_aware(at).date():
        raise DocumentRefused("document_expired")


@dataclass(frozen=True)
class ChipCheck:
    """A chip whose data passive authentication verified and whose DG1 is the printed zone."""

    mrz: Mrz
    passive: Passive
    offered: CloneCheck


def clone_check_offered(groups: Mapping[int, bytes]) -> CloneCheck:
    """Active Authentication where the chip has DG15 (what every reader can relay), else Chip
    Authentication where DG14 has a key for it, else none."""
    if 15 in groups:
        return "active_authentication"
    if 14 in groups and lds.dg14_security(groups[14]).ca_key is not None:
        return "chip_authentication"
    return "none"


def check_chip(
    printed: Mrz, groups: Mapping[int, bytes], sod: bytes, trust: TrustList, *, at: datetime
) -> ChipCheck:
    """Steps 1 to 3 of the module's list: each failure a :class:`DocumentRefused`."""
    check_expiry(printed, at)
    if not set(groups) <= READ_GROUPS:
        raise DocumentRefused("chip_data_malformed")
    passive = passive_authentication(sod, groups, trust, issuing_state=printed.issuing_state, at=at)
    mrz = lds.dg1_matches(groups[1], printed)
    for number in (14, 15):  # a key group the SOD hashes must be read: it cannot be left out
        if number in passive.hashed_groups and number not in groups:
            raise DocumentRefused("chip_data_malformed")
    return ChipCheck(mrz, passive, clone_check_offered(groups))


def check_clone(
    groups: Mapping[int, bytes],
    *,
    challenge: bytes,
    ephemeral: ec.EllipticCurvePrivateKey | None,
    aa_signature: bytes | None,
    ca_response: bytes | None,
) -> CloneCheck:
    """The clone check the chip offers, passed (or ``"none"`` for a chip that offers none);
    the groups are the ones :func:`check_chip` verified. Raises ``chip_not_genuine``."""
    offered = clone_check_offered(groups)
    if offered == "active_authentication":
        if aa_signature is None:
            raise DocumentRefused("chip_not_genuine")
        aa_hash = lds.dg14_security(groups[14]).aa_hash if 14 in groups else None
        verify_active_authentication(lds.dg15_key(groups[15]), aa_hash, challenge, aa_signature)
    elif offered == "chip_authentication":
        ca_key = lds.dg14_security(groups[14]).ca_key
        if ca_response is None or ephemeral is None or ca_key is None:
            raise DocumentRefused("chip_not_genuine")
        verify_chip_authentication(ca_key, ephemeral, ca_response, groups[14])
    return offered


def proofing_level(clone: CloneCheck, face_matched: bool, live: bool) -> Level | None:
    """The identity-proofing level a verified chip gives (``None``: it gives none): High for a
    chip that proved its key and a face that matched and was shown to be live; Substantial
    without either of those."""
    if not face_matched:
        return None
    return Level.HIGH if clone != "none" and live else Level.SUBSTANTIAL
