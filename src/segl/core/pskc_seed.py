"""A token seed as a PSKC (RFC 6030) ``KeyPackage`` carries it, and what it must be to be used.

The reader (:mod:`segl.core.pskc`) returns these and the writer (:mod:`segl.core.pskc_writer`)
takes them; both check them with :func:`check_seed` against RFC 4226 and RFC 6238.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal, get_args

from segl.core.otp import Algorithm
from segl.core.secrets import Secret

__all__ = ["PSKC_NS", "SERIAL", "XENC_NS", "TokenAlgorithm", "TokenSeed", "check_seed"]

TokenAlgorithm = Literal["totp", "hotp"]

PSKC_NS: Final = "urn:ietf:params:xml:ns:keyprov:pskc"
XENC_NS: Final = "http://www.w3.org/2001/04/xmlenc#"
SERIAL: Final = re.compile(r"[^\x00-\x1f\x7f]{1,64}")  # printable, as on the device's label

_HASHES: Final[tuple[str, ...]] = get_args(Algorithm)
_MIN_SECRET_BYTES = 16  # RFC 4226 §4, R6: "at least 128 bits"
_MAX_SECRET_BYTES = 128
_MIN_DIGITS, _MAX_DIGITS = 6, 8  # RFC 4226 §5.3
_MAX_COUNTER = 2**64 - 1  # RFC 4226 §5.1: an 8-byte counter
_MAX_PERIOD = 86_400


@dataclass(frozen=True)
class TokenSeed:
    """One device's seed and OTP parameters, as carried by a PSKC ``KeyPackage``.

    ``period`` and ``t0`` are the TOTP time step X and T0 (RFC 6238 §4.1), carried in the
    ``TimeInterval`` and ``Time`` data elements; ``period`` is ``None`` for HOTP. ``counter`` is
    the HOTP moving factor (``Counter``).
    """

    serial: str
    algorithm: TokenAlgorithm
    secret: Secret
    digits: int = 6
    hash_algorithm: Algorithm = "SHA1"
    period: int | None = 30
    t0: int = 0
    counter: int = 0
    manufacturer: str | None = None
    model: str | None = None


def check_seed(seed: TokenSeed) -> None:
    """What a seed must be to be imported or written; ``ValueError`` says what is wrong."""
    secret = seed.secret.reveal()
    if not _MIN_SECRET_BYTES <= len(secret) <= _MAX_SECRET_BYTES:
        # RFC 4226 §4, R6: "The length of the shared secret MUST be at least 128 bits."
        raise ValueError(
            f"the secret is {len(secret) * 8} bits; it must be"
            f" {_MIN_SECRET_BYTES * 8} to {_MAX_SECRET_BYTES * 8} bits"
        )
    if not _MIN_DIGITS <= seed.digits <= _MAX_DIGITS:
        raise ValueError(f"codes of {seed.digits} digits are not supported (6 to 8)")
    if seed.hash_algorithm not in _HASHES:
        raise ValueError(f"unsupported hash {seed.hash_algorithm!r}")
    if not 0 <= seed.counter <= _MAX_COUNTER:
        raise ValueError("the counter must be 0 to 2**64 - 1")
    if seed.algorithm == "totp":
        if seed.period is None or not 1 <= seed.period <= _MAX_PERIOD:
            raise ValueError(f"the time step must be 1 to {_MAX_PERIOD} seconds")
        if seed.t0 < 0:
            raise ValueError("T0 must not be negative")
