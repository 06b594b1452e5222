"""The approval: the text an RP asks a citizen to approve (decision 7), and the app's answer.

The citizen approves what they read, so the text segl shows must look exactly like what the RP
sent. A character that draws nothing, moves other characters or breaks the line can make two
different texts look the same (U+202E RIGHT-TO-LEFT OVERRIDE turns "Pay 100 DKK to 1234" into
something else on screen, a zero-width space hides inside an account number). So the rule
is by Unicode general category, not by a list: every character in

    Cc  control (C0, DEL, C1)              Zl  line separator
    Cf  format (bidi controls, zero-width)  Zp  paragraph separator
    Cs  surrogate (not a character at all; cannot be encoded as UTF-8)

is refused, and the refusal names the character and where it is, so the RP can find it.

The same check guards the authorization request (segl.oidc) and :func:`text_sha256`, the one
hash of the text that the ID token, the app's request and its signed answer all carry, so the
browser and the app show only texts that passed it.

The app's answer is an :class:`Approval`, a JWS (segl.core.jose) by the app's key over the
request, the flow, the text's hash, the channel proof of the binding (segl.core.binding) and
the decision. Pure: times are passed in; one use of a channel proof is the caller's to enforce.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from jwcrypto import jwk

from .clock import require_aware
from .errors import ApprovalTextRefused, ProofInvalid
from .jose import ALGORITHM, decode_jws, p256_key, sign_jws

__all__ = [
    "APPROVAL_TYPE",
    "DECISIONS",
    "MAX_LENGTH",
    "REFUSED_CATEGORIES",
    "Approval",
    "check_approval_text",
    "describe",
    "sign_approval",
    "text_sha256",
    "verify_approval",
]

DECISIONS = ("approve", "reject", "fraud")
APPROVAL_TYPE = "segl-approval+jwt"

MAX_LENGTH = 130
REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})

# Control characters have no Unicode name, only aliases; these are the ones an RP's text is
# likely to carry. The rest are named as UnicodeData.txt names them.
_ALIASES = {
    0x00: "NULL",
    0x09: "CHARACTER TABULATION",
    0x0A: "LINE FEED",
    0x0D: "CARRIAGE RETURN",
    0x7F: "DELETE",
    0x85: "NEXT LINE",
}


def describe(char: str) -> str:
    """``U+202E RIGHT-TO-LEFT OVERRIDE``: the code point and its name, in ASCII."""
    point = ord(char)
    # Without a name or an alias here, the label UnicodeData.txt gives it.
    name = _ALIASES.get(point) or unicodedata.name(char, "")
    name = name or ("<surrogate>" if unicodedata.category(char) == "Cs" else "<control>")
    return f"U+{point:04X} {name}"


def check_approval_text(text: str) -> None:
    """Return nothing for a text segl will show; raise ``ApprovalTextRefused`` otherwise.

    Positions count characters (code points) from 1.
    """
    if not isinstance(text, str):
        raise TypeError("an approval text is a str")
    if len(text) > MAX_LENGTH:
        raise ApprovalTextRefused(f"approval_text is longer than {MAX_LENGTH} characters")
    for position, char in enumerate(text, start=1):
        if unicodedata.category(char) in REFUSED_CATEGORIES:
            raise ApprovalTextRefused(
                f"approval_text contains {describe(char)} at position {position}"
            )


def text_sha256(text: str) -> str:
    """The hash of an approval text as shown, hex (the ID token's ``segl_approval_sha256``).

    Only a text that shows as itself has one: others raise ``ApprovalTextRefused``, so neither
    the server nor the app puts one before a citizen.
    """
    check_approval_text(text)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Approval:
    """What the app signs: this request of this flow, this text, this binding, this answer."""

    request: str
    flow: str
    text_sha256: str
    channel: str
    decision: str

    def __post_init__(self) -> None:
        if self.decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}")


def sign_approval(key: jwk.JWK, approval: Approval, *, now: datetime) -> str:
    claims = {**asdict(approval), "iat": int(require_aware(now).timestamp())}
    return sign_jws(key, {"typ": APPROVAL_TYPE, "alg": ALGORITHM}, claims)


def verify_approval(token: Any, public: dict[str, str]) -> Approval:
    """Check the signature by the app's registered key and read the approval."""
    _header, claims = decode_jws(token, p256_key(public), APPROVAL_TYPE)
    fields = ("request", "flow", "text_sha256", "channel", "decision")
    if not all(isinstance(claims.get(f), str) for f in fields):
        raise ProofInvalid("approval_fields")
    if claims["decision"] not in DECISIONS:
        raise ProofInvalid("decision")
    return Approval(**{f: claims[f] for f in fields})
