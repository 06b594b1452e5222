"""PKCE values of RFC 7636's form, and nothing else (core.pkce)."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segl.core.errors import PkceInvalid
from segl.core.pkce import check_code_challenge, check_code_verifier

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
VERIFIERS = st.text(alphabet=UNRESERVED, min_size=43, max_size=128)


def s256(verifier: str) -> str:
    return (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )


def test_the_rfc_7636_appendix_b_example() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    check_code_verifier(verifier)
    check_code_challenge(s256(verifier), "S256")
    assert s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


@given(VERIFIERS)
def test_every_verifier_of_the_form_and_its_challenge_are_accepted(verifier: str) -> None:
    check_code_verifier(verifier)
    check_code_challenge(s256(verifier), "S256")


@pytest.mark.parametrize(
    "verifier",
    [
        None,
        "",
        "abc",
        "a" * 42,
        "a" * 129,
        "a" * 42 + "+",
        "a" * 42 + "/",
        "a" * 42 + "=",
        "a" * 43 + "\n",
        "a" * 42 + "é",
        "a" * 42 + " ",
    ],
)
def test_verifiers_outside_the_form_are_refused(verifier: str | None) -> None:
    with pytest.raises(PkceInvalid, match="43 to 128"):
        check_code_verifier(verifier)


@given(st.text(max_size=200).filter(lambda t: not (43 <= len(t) <= 128)))
def test_no_verifier_of_another_length_is_accepted(verifier: str) -> None:
    with pytest.raises(PkceInvalid):
        check_code_verifier(verifier)


@pytest.mark.parametrize(
    ("challenge", "reason"),
    [
        (None, "required"),
        ("", "required"),
        ("a", "43 base64url"),
        ("a" * 42, "43 base64url"),
        ("a" * 44, "43 base64url"),
        ("a" * 128, "43 base64url"),
        ("a" * 42 + "=", "43 base64url"),
        ("a" * 42 + "+", "43 base64url"),
        ("a" * 42 + ".", "43 base64url"),
        ("a" * 43 + "\n", "43 base64url"),
    ],
)
def test_challenges_that_no_verifier_hashes_to_are_refused(
    challenge: str | None, reason: str
) -> None:
    with pytest.raises(PkceInvalid, match=reason):
        check_code_challenge(challenge, "S256")


@pytest.mark.parametrize("method", [None, "", "plain", "s256", "S512"])
def test_only_s256_is_a_method(method: str | None) -> None:
    with pytest.raises(PkceInvalid, match="S256"):
        check_code_challenge(s256("a" * 43), method)
