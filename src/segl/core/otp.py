"""One-time codes: HOTP (RFC 4226) and TOTP (RFC 6238), with replay protection and drift.

Generation and comparison are pyca/cryptography's ``HOTP``; this module adds what a verifier
needs around it: the windows, the state a token carries between verifications, and the
domain errors. Nothing here does I/O; the caller persists the returned state (and locks the
row while it verifies).

Errors: a wrong or malformed code raises ``InvalidCode``, a code at or before the last accepted
one raises ``ReplayedCode``, a failed resynchronisation raises ``ResyncFailed``; bad parameters
are programmer errors and raise ``TypeError``/``ValueError``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal, get_args

from cryptography.hazmat.primitives import constant_time
from cryptography.hazmat.primitives.hashes import SHA1, SHA256, SHA512
from cryptography.hazmat.primitives.twofactor.hotp import HOTP, HOTPHashTypes

from segl.core.clock import require_aware
from segl.core.errors import InvalidCode, ReplayedCode, ResyncFailed

__all__ = [
    "Algorithm",
    "HotpState",
    "TotpParams",
    "TotpState",
    "hotp_code",
    "normalise_code",
    "resync_hotp",
    "totp_code",
    "totp_step",
    "verify_hotp",
    "verify_totp",
]

Algorithm = Literal["SHA1", "SHA256", "SHA512"]

_ALGORITHMS: tuple[str, ...] = get_args(Algorithm)
_MIN_SECRET_BYTES = 16
_MIN_DIGITS = 6
_MAX_DIGITS = 8
_MAX_COUNTER = 2**64 - 1  # C is an 8-byte counter (RFC 4226 §5.1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# What people type between groups of digits, or what a paste brings along.
_SEPARATORS = frozenset(" -\t\u00a0\u2010\u2011\u2012\u2013\u2212\u202f")
# Far longer than any code with separators; refused before any work is done on it.
_MAX_RAW_CODE = 64


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_digits(digits: int) -> None:
    # RFC 4226 §5.3: "Implementations MUST extract a 6-digit code at a minimum and possibly 7
    # and 8-digit code."
    if not _is_int(digits) or not _MIN_DIGITS <= digits <= _MAX_DIGITS:
        raise ValueError(f"digits must be {_MIN_DIGITS} to {_MAX_DIGITS}, not {digits!r}")


def _check_algorithm(algorithm: str) -> None:
    if algorithm not in _ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(_ALGORITHMS)}")


def _check_window(name: str, value: int, minimum: int = 0) -> None:
    if not _is_int(value) or value < minimum:
        raise ValueError(f"{name} must be an integer of at least {minimum}")


def _hash(algorithm: Algorithm) -> HOTPHashTypes:
    _check_algorithm(algorithm)
    if algorithm == "SHA256":
        return SHA256()
    if algorithm == "SHA512":
        return SHA512()
    # HMAC-SHA-1 is what RFC 4226 specifies; HOTP relies on HMAC, not on SHA-1's collisions.
    return SHA1()  # noqa: S303


def _hotp(secret: bytes, digits: int, algorithm: Algorithm) -> HOTP:
    if not isinstance(secret, bytes):
        raise TypeError("secret must be bytes")
    # RFC 4226 §4, R6: "The length of the shared secret MUST be at least 128 bits."
    if len(secret) < _MIN_SECRET_BYTES:
        raise ValueError("secret must be at least 128 bits (RFC 4226 §4, R6)")
    _check_digits(digits)
    return HOTP(secret, digits, _hash(algorithm))


def _matching(hotp: HOTP, code: bytes, counters: Iterable[int]) -> list[int]:
    """Every counter in ``counters`` whose code is ``code``.

    Each candidate is generated and compared in constant time, and the loop never stops early,
    so the time taken does not tell which counter (if any) matched.
    """
    return [c for c in counters if constant_time.bytes_eq(hotp.generate(c), code)]


def _counters(low: int, high: int) -> range:
    return range(max(0, low), min(high, _MAX_COUNTER) + 1)


def hotp_code(
    secret: bytes, counter: int, *, digits: int = 6, algorithm: Algorithm = "SHA1"
) -> str:
    """HOTP(K, C) = Truncate(HMAC(K, C)) as ``digits`` decimal digits (RFC 4226 §5.3).

    RFC 4226 defines HMAC-SHA-1; SHA-256 and SHA-512 are the variants RFC 6238 §1.2 allows.
    """
    if not _is_int(counter) or not 0 <= counter <= _MAX_COUNTER:
        raise ValueError("counter must be an integer from 0 to 2**64 - 1 (RFC 4226 §5.1)")
    return _hotp(secret, digits, algorithm).generate(counter).decode("ascii")


@dataclass(frozen=True)
class TotpParams:
    """The TOTP parameters of a token: hash, digits, time step X and T0 (RFC 6238 §4.1)."""

    algorithm: Algorithm = "SHA1"
    digits: int = 6
    period: int = 30
    t0: int = 0

    def __post_init__(self) -> None:
        _check_algorithm(self.algorithm)
        _check_digits(self.digits)
        _check_window("period", self.period, minimum=1)
        if not _is_int(self.t0):
            raise ValueError("t0 must be an integer (Unix time)")


def totp_step(now: datetime, *, period: int = 30, t0: int = 0) -> int:
    """T = floor((Current Unix time - T0) / X) (RFC 6238 §4.2).

    Python integers have no 32-bit limit, as §4.2 requires: "The implementation of this
    algorithm MUST support a time value T larger than a 32-bit integer when it is beyond the
    year 2038."
    """
    _check_window("period", period, minimum=1)
    if not _is_int(t0):
        raise ValueError("t0 must be an integer (Unix time)")
    elapsed = require_aware(now) - _EPOCH
    # Whole seconds, floored (timedelta keeps seconds and microseconds non-negative).
    unix_time = elapsed.days * 86_400 + elapsed.seconds
    return (unix_time - t0) // period


def totp_code(secret: bytes, now: datetime, params: TotpParams = TotpParams()) -> str:
    """TOTP = HOTP(K, T) for the time step that ``now`` falls in (RFC 6238 §4.2)."""
    step = totp_step(now, period=params.period, t0=params.t0)
    return hotp_code(secret, step, digits=params.digits, algorithm=params.algorithm)


def normalise_code(raw: str, digits: int) -> str:
    """The code as typed, without spaces and hyphens; exactly ``digits`` ASCII digits.

    Anything else (letters, other scripts' digits, a wrong length) raises ``InvalidCode``.
    """
    if not isinstance(raw, str):
        raise TypeError("code must be str")
    if not _is_int(digits) or digits < 1:
        raise ValueError("digits must be a positive integer")
    if len(raw) > _MAX_RAW_CODE:
        raise InvalidCode("code is too long")
    code = "".join(ch for ch in raw if ch not in _SEPARATORS)
    # str.isdigit() alone would let through other scripts' digits ("٣") and superscripts.
    if len(code) != digits or not (code.isascii() and code.isdigit()):
        raise InvalidCode(f"code must be {digits} digits")
    return code


@dataclass(frozen=True)
class TotpState:
    """What a TOTP verifier keeps per token between verifications.

    ``last_step`` is the time step of the last accepted code (replay protection, RFC 6238
    §5.2); ``drift`` is how many steps the token's clock runs ahead (+) or behind (-) of
    ours, learnt from the last accepted code (RFC 6238 §6).
    """

    last_step: int | None = None
    drift: int = 0

    def __post_init__(self) -> None:
        if self.last_step is not None and not _is_int(self.last_step):
            raise ValueError("last_step must be an integer or None")
        if not _is_int(self.drift):
            raise ValueError("drift must be an integer")


def verify_totp(
    secret: bytes,
    code: str,
    *,
    now: datetime,
    state: TotpState,
    params: TotpParams = TotpParams(),
    window: int = 1,
) -> TotpState:
    """Verify a TOTP code and return the token's new state (RFC 6238 §5.2, §6).

    The candidates are the steps ``current + drift - window`` to ``current + drift + window``;
    the default ``window`` of 1 follows §5.2: "We RECOMMEND that at most one time step is
    allowed as the network delay." On success the matched step becomes ``last_step`` and its
    distance from our current step becomes the learnt ``drift``.
    """
    _check_window("window", window)
    candidate = normalise_code(code, params.digits).encode("ascii")
    hotp = _hotp(secret, params.digits, params.algorithm)
    current = totp_step(now, period=params.period, t0=params.t0)
    expected = current + state.drift
    matched = _matching(hotp, candidate, _counters(expected - window, expected + window))
    if not matched:
        raise InvalidCode("code does not match")
    unused = [s for s in matched if state.last_step is None or s > state.last_step]
    if not unused:
        # RFC 6238 §5.2: "The verifier MUST NOT accept the second attempt of the OTP after the
        # successful validation has been issued for the first OTP, which ensures one-time only
        # use of an OTP." Codes of earlier steps are refused too, so none can be used late.
        raise ReplayedCode("code was already used")
    step = min(unused)
    return TotpState(last_step=step, drift=step - current)


@dataclass(frozen=True)
class HotpState:
    """What an HOTP verifier keeps per token: the next counter value it expects (RFC 4226 §7.2)."""

    counter: int = 0

    def __post_init__(self) -> None:
        if not _is_int(self.counter) or self.counter < 0:
            raise ValueError("counter must be a non-negative integer")


def verify_hotp(
    secret: bytes,
    code: str,
    *,
    state: HotpState,
    digits: int = 6,
    algorithm: Algorithm = "SHA1",
    look_ahead: int = 10,
) -> HotpState:
    """Verify an HOTP code against the look-ahead window and return the next state.

    RFC 4226 §7.2: on a match "the server increments the counter value by one", past the
    matched counter; §7.4: "We RECOMMEND setting a look-ahead parameter s on the server, which
    defines the size of the look-ahead window", since the token counts every button press and
    the server only successful verifications. The ``look_ahead`` counters just below the
    expected one are checked too, so that a code that was already used is told apart from a
    wrong one (``ReplayedCode``); with ``look_ahead=0`` a used code is just ``InvalidCode``.
    """
    _check_window("look_ahead", look_ahead)
    candidate = normalise_code(code, digits).encode("ascii")
    hotp = _hotp(secret, digits, algorithm)
    expected = state.counter
    matched = _matching(hotp, candidate, _counters(expected - look_ahead, expected + look_ahead))
    ahead = [c for c in matched if c >= expected]
    if ahead:
        return HotpState(counter=min(ahead) + 1)
    if matched:
        # The server's counter only moves past codes it accepted: a code below it was used.
        raise ReplayedCode("code was already used")
    raise InvalidCode("code does not match")


def resync_hotp(
    secret: bytes,
    code1: str,
    code2: str,
    *,
    state: HotpState,
    digits: int = 6,
    algorithm: Algorithm = "SHA1",
    resync_window: int = 100,
) -> HotpState:
    """Resynchronise an HOTP token from two consecutive codes (RFC 4226 §7.4, Appendix E.4).

    §7.4: "the system MAY require the user to send a sequence of (say, 2, 3) HOTP values for
    resynchronization purpose, since forging a sequence of consecutive HOTP values is even more
    difficult than guessing a single HOTP value." ``code1`` and ``code2`` must be the codes of
    counters ``c`` and ``c + 1``, both within ``counter .. counter + resync_window``; the new
    state expects ``c + 2``. §7.4's upper bound "ensures the server does not go on checking
    HOTP values forever".
    """
    _check_window("resync_window", resync_window, minimum=1)
    try:
        first = normalise_code(code1, digits).encode("ascii")
        second = normalise_code(code2, digits).encode("ascii")
    except InvalidCode as exc:
        raise ResyncFailed("codes must be digits") from exc
    hotp = _hotp(secret, digits, algorithm)
    counters = _counters(state.counter, state.counter + resync_window)
    codes = [hotp.generate(c) for c in counters]
    # "&" rather than "and": both comparisons run for every pair.
    found = [
        counters[i]
        for i in range(len(codes) - 1)
        if constant_time.bytes_eq(codes[i], first) & constant_time.bytes_eq(codes[i + 1], second)
    ]
    if not found:
        raise ResyncFailed("codes do not follow each other within the window")
    return HotpState(counter=min(found) + 2)
