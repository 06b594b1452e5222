"""Passwords: the new-password policy (NIST SP 800-63B §5.1.1.2) and Argon2id (RFC 9106).

The policy is NIST's: a minimum length, a generous maximum, a blocklist of common and
context-specific passwords, and no composition rules ("Verifiers SHOULD NOT impose other
composition rules (e.g., requiring mixtures of different character types ...)"). Passwords are
NFKC-normalised before they are checked, hashed or verified, so that the same password typed on
another keyboard is still the same password.

Errors: a new password that breaks the policy raises ``PasswordRejected(reason)``; a password that
does not match its hash raises ``WrongPassword``; a hash that cannot be read is not the user's
doing and raises ``ValueError``.
"""

from __future__ import annotations

import base64
import contextlib
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources

import argon2
import argon2.low_level
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from segl.core.errors import PasswordRejected, WrongPassword

__all__ = [
    "MAX_LENGTH",
    "MIN_LENGTH",
    "REJECT_REASONS",
    "Argon2Params",
    "PasswordHasher",
    "PasswordPolicy",
    "bundled_blocklist",
    "check_new_password",
    "load_blocklist",
    "normalise_password",
]

REJECT_REASONS = frozenset({"too_short", "too_long", "common", "user_id"})

# segl's policy: every form and every refusal that names a length says these numbers.
MIN_LENGTH = 8
MAX_LENGTH = 128

# A user ID shorter than this is too likely to turn up in a password by chance.
_MIN_USER_ID_IN_PASSWORD = 4


@dataclass(frozen=True)
class Argon2Params:
    """Argon2id cost parameters (RFC 9106 §3.1); the defaults are OWASP's first recommendation
    (m=19 MiB, t=2, p=1)."""

    memory_kib: int = 19456
    time_cost: int = 2
    parallelism: int = 1
    hash_len: int = 32
    salt_len: int = 16

    def __post_init__(self) -> None:
        for name in ("memory_kib", "time_cost", "parallelism", "hash_len", "salt_len"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{name} must be an integer")
        if self.time_cost < 1:
            raise ValueError("time_cost must be at least 1")
        if self.parallelism < 1:
            raise ValueError("parallelism must be at least 1")
        # RFC 9106 §3.1: memory "MUST be an integer number of kibibytes from 8*p to 2^(32)-1".
        if self.memory_kib < 8 * self.parallelism:
            raise ValueError("memory_kib must be at least 8 * parallelism")
        # RFC 9106 §3.1: "16 bytes is RECOMMENDED for password hashing"; segl takes it as the floor.
        if self.salt_len < 16:
            raise ValueError("salt_len must be at least 16")
        if self.hash_len < 16:
            raise ValueError("hash_len must be at least 16")


@dataclass(frozen=True)
class PasswordPolicy:
    """Length bounds in code points after NFKC (NIST SP 800-63B §5.1.1.2)."""

    min_length: int = MIN_LENGTH
    max_length: int = MAX_LENGTH

    def __post_init__(self) -> None:
        # "Memorized secrets SHALL be at least 8 characters in length if chosen by the subscriber."
        if self.min_length < 8:
            raise ValueError("min_length must be at least 8")
        # "Verifiers SHOULD permit subscriber-chosen memorized secrets at least 64 characters in
        # length."
        if self.max_length < max(64, self.min_length):
            raise ValueError("max_length must be at least 64 and at least min_length")


def _b64(data: bytes) -> str:
    # The PHC string format's base64: standard alphabet, no padding.
    return base64.b64encode(data).decode("ascii").rstrip("=")


def normalise_password(raw: str) -> str:
    """NFKC, as NIST SP 800-63B §5.1.1.2 advises: "the verifier SHOULD apply the Normalization
    Process for Stabilization of Strings using either the NFKC or NFKD normalization"."""
    if not isinstance(raw, str):
        raise TypeError("password must be str")
    return unicodedata.normalize("NFKC", raw)


def _fold(text: str) -> str:
    # casefold() can leave a string that is no longer NFKC (U+01F0 "ǰ" folds to j + U+030C).
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def load_blocklist(lines: Iterable[str]) -> frozenset[str]:
    """A blocklist from lines of text: stripped, case-folded, without blanks and ``#`` comments."""
    entries = (_fold(line.strip()) for line in lines)
    return frozenset(e for e in entries if e and not e.startswith("#"))


def bundled_blocklist() -> frozenset[str]:
    """segl's own list of common Danish and Nordic passwords (``data/common-passwords-da.txt``)."""
    path = resources.files("segl.core").joinpath("data").joinpath("common-passwords-da.txt")
    return load_blocklist(path.read_text(encoding="utf-8").splitlines())


def check_new_password(
    raw: str,
    *,
    blocklist: frozenset[str],
    policy: PasswordPolicy = PasswordPolicy(),
    user_id: str | None = None,
) -> str:
    """Return the normalised password, or raise ``PasswordRejected`` with the first reason found:
    ``too_short``, ``too_long``, ``common`` or ``user_id`` (NIST SP 800-63B §5.1.1.2)."""
    password = normalise_password(raw)
    # "For purposes of the above length requirements, each Unicode code point SHALL be counted
    # as a single character."
    if len(password) < policy.min_length:
        raise PasswordRejected("too_short")
    if len(password) > policy.max_length:
        raise PasswordRejected("too_long")
    folded = _fold(password)
    # "verifiers SHALL compare the prospective secrets against a list that contains values known
    # to be commonly-used, expected, or compromised."
    if folded in blocklist:
        raise PasswordRejected("common")
    # The same list includes "Context-specific words, such as the name of the service, the
    # username, and derivatives thereof."
    if user_id is not None:
        folded_id = _fold(user_id.strip())
        if len(folded_id) >= _MIN_USER_ID_IN_PASSWORD and folded_id in folded:
            raise PasswordRejected("user_id")
    return password


class PasswordHasher:
    """Argon2id (RFC 9106) with explicit parameters, over NFKC-normalised passwords."""

    def __init__(self, params: Argon2Params = Argon2Params()) -> None:
        self.params = params
        self._hasher = argon2.PasswordHasher(
            time_cost=params.time_cost,
            memory_cost=params.memory_kib,
            parallelism=params.parallelism,
            hash_len=params.hash_len,
            salt_len=params.salt_len,
            type=argon2.Type.ID,
        )
        # A well-formed hash with our parameters that no password matches: verifying against it
        # costs exactly what a real verification costs, and making it costs nothing.
        self._burn_hash = (
            f"$argon2id$v={argon2.low_level.ARGON2_VERSION}"
            f"$m={params.memory_kib},t={params.time_cost},p={params.parallelism}"
            f"${_b64(secrets.token_bytes(params.salt_len))}"
            f"${_b64(secrets.token_bytes(params.hash_len))}"
        )

    def __repr__(self) -> str:
        return f"PasswordHasher({self.params!r})"

    def hash(self, raw: str) -> str:
        """The PHC-encoded hash (``$argon2id$v=19$m=…,t=…,p=…$salt$hash``) of the password."""
        return self._hasher.hash(normalise_password(raw))

    def verify(self, encoded: str, raw: str) -> None:
        """Return if ``raw`` matches ``encoded``; raise ``WrongPassword`` if not.

        The comparison is argon2's own constant-time one. A hash that cannot be read raises
        ``ValueError``, without the hash in the message.
        """
        password = normalise_password(raw)
        try:
            self._hasher.verify(encoded, password)
        except VerifyMismatchError:
            raise WrongPassword("password does not match") from None
        except (InvalidHashError, VerificationError, UnicodeError):
            raise ValueError("stored password hash cannot be read") from None

    def needs_rehash(self, encoded: str) -> bool:
        """Whether ``encoded`` was made with other parameters (or another Argon2 type) than ours."""
        try:
            return self._hasher.check_needs_rehash(encoded)
        except (InvalidHashError, UnicodeError):
            raise ValueError("stored password hash cannot be read") from None

    def burn(self, raw: str) -> None:
        """Spend what a ``verify`` spends, for a user ID that does not exist, so that the
        response time does not tell whether it does."""
        with contextlib.suppress(VerifyMismatchError):
            self._hasher.verify(self._burn_hash, normalise_password(raw))
