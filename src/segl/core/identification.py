"""Identification by CPR number and passport number (seeds 000, 001): whether a passport number
as typed is one of a person's, with the same work whether or not the CPR number is anyone's.

A passport number as typed may hold anything: spaces, small letters, other scripts, NUL, lone
surrogates. It is normalised to bytes and hashed, so that every comparison is of two digests of
one length (``hmac.compare_digest`` tells nothing but equal or not), and the person's numbers are
padded with numbers nobody can type up to ``COMPARISONS``, so that an unknown CPR number (no
numbers at all) costs the same comparisons as a known one.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import unicodedata
from collections.abc import Sequence

__all__ = ["COMPARISONS", "normalise_passport_number", "passport_number_matches"]

COMPARISONS = 4

# Unguessable, and new in every process: padding that can never match what anyone types.
_PADDING = secrets.token_hex(32)


def normalise_passport_number(raw: str) -> bytes:
    """Without white space, NFKC, in capitals, as UTF-8 (lone surrogates kept as they are)."""
    if not isinstance(raw, str):
        raise TypeError("passport number must be str")
    text = unicodedata.normalize("NFKC", "".join(raw.split())).upper()
    return text.encode("utf-8", "surrogatepass")


def _digest(raw: str) -> bytes:
    return hashlib.sha256(normalise_passport_number(raw)).digest()


def passport_number_matches(given: str, known: Sequence[str]) -> bool:
    """Whether ``given`` is one of ``known`` once both are normalised; an empty one never is.

    Every candidate is compared, also after a match, and at least ``COMPARISONS`` of them."""
    probe = _digest(given)
    padding = [_PADDING] * max(0, COMPARISONS - len(known))
    matched = False
    for candidate in [*known, *padding]:
        matched |= hmac.compare_digest(probe, _digest(candidate))
    return matched and bool(normalise_passport_number(given))
