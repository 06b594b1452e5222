"""The text an RP asks a citizen to approve (decision 7): what segl will show.

The citizen approves what they read, so the text must look exactly like what the RP sent. A
character that draws nothing, moves other characters or breaks the line can make two different
texts look the same (U+202E RIGHT-TO-LEFT OVERRIDE turns "Pay 100 DKK to 1234" into something
else on screen, a zero-width space hides inside an account number). So the rule is by Unicode
general category, not by a list: every character in

    Cc  control (C0, DEL, C1)              Zl  line separator
    Cf  format (bidi controls, zero-width)  Zp  paragraph separator
    Cs  surrogate (not a character at all; cannot be encoded as UTF-8)

is refused, and the refusal names the character and where it is, so the RP can find it.

The same check guards the authorization request (segl.oidc) and the app protocol
(segl.core.app.text_sha256), so the browser and the app show only texts that passed it.
"""

from __future__ import annotations

import unicodedata

from segl.core.errors import ApprovalTextRefused

__all__ = ["MAX_LENGTH", "REFUSED_CATEGORIES", "check_approval_text", "describe"]

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
