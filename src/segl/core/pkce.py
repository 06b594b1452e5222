"""PKCE, RFC 7636: the syntax of the code challenge and the code verifier.

oauthlib compares the verifier with the challenge (§4.6); this module says which values are
PKCE values at all. segl accepts only the S256 method (RFC 9700 §2.1.1), so a challenge is the
unpadded base64url encoding of a SHA-256 digest: exactly 43 characters.
"""

from __future__ import annotations

import re

from segl.core.errors import PkceInvalid

__all__ = ["METHOD", "check_code_challenge", "check_code_verifier"]

METHOD = "S256"

# RFC 7636 §4.1: code-verifier = 43*128unreserved; unreserved = ALPHA / DIGIT / "-" / "." /
# "_" / "~". fullmatch, so a trailing newline does not slip past "$".
_VERIFIER = re.compile(r"[A-Za-z0-9\-._~]{43,128}")
# §4.2: code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier))), and "the trailing
# '=' characters are omitted" (Appendix A): 32 bytes are 43 characters of [A-Za-z0-9_-].
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")


def check_code_challenge(challenge: str | None, method: str | None) -> None:
    """Return nothing for an S256 challenge of the right form; raise ``PkceInvalid`` otherwise."""
    if not challenge:
        # RFC 7636 §4.4.1: a server that requires PKCE and gets no "code_challenge" "MUST
        # return the authorization error response with the "error" value set to
        # "invalid_request"". segl requires it of every client (RFC 9700 §2.1.1).
        raise PkceInvalid("code_challenge is required")
    if method != METHOD:
        # RFC 7636 §4.2 allows "plain", and it is the default when the method is left out;
        # RFC 9700 §2.1.1: "plain" SHOULD NOT be used. segl refuses both.
        raise PkceInvalid("code_challenge_method must be S256")
    if not _S256_CHALLENGE.fullmatch(challenge):
        # RFC 7636 §4.2: S256 "code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))"
        # without padding (Appendix A): 43 characters. Anything else no verifier can meet,
        # and an empty or one-character challenge would make the code a bearer secret again.
        raise PkceInvalid("code_challenge must be 43 base64url characters (RFC 7636 4.2)")


def check_code_verifier(verifier: str | None) -> None:
    """Return nothing for a verifier of RFC 7636's form; raise ``PkceInvalid`` otherwise."""
    if verifier is None or not _VERIFIER.fullmatch(verifier):
        # RFC 7636 §4.1: "code-verifier = 43*128unreserved", "with a minimum length of 43
        # characters and a maximum length of 128 characters". A shorter one is guessable.
        raise PkceInvalid(
            "code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 4.1)"
        )
