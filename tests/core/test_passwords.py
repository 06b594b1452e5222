"""Passwords: NIST SP 800-63B's new-password policy and Argon2id hashing."""

from __future__ import annotations

import time
from pathlib import Path

import argon2
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from segl.core.errors import PasswordRejected, WrongPassword
from segl.core.passwords import (
    REJECT_REASONS,
    Argon2Params,
    PasswordHasher,
    PasswordPolicy,
    bundled_blocklist,
    check_new_password,
    load_blocklist,
    normalise_password,
)

DATA_FILE = Path(__file__).resolve().parents[2] / "src/segl/core/data/common-passwords-da.txt"
# The smallest parameters Argon2 allows: the tests are about behaviour, not cost.
CHEAP = Argon2Params(memory_kib=8, time_cost=1)
NO_BLOCKLIST: frozenset[str] = frozenset()


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) for c in text)


def _reason(raw: str, **kwargs: object) -> str:
    kwargs.setdefault("blocklist", NO_BLOCKLIST)
    with pytest.raises(PasswordRejected) as caught:
        check_new_password(raw, **kwargs)  # type: ignore[arg-type]
    assert caught.value.reason in REJECT_REASONS
    assert caught.value.code == "password_rejected"
    return caught.value.reason


# --- normalisation -----------------------------------------------------------------------------


def test_nfkc_makes_full_width_letters_plain() -> None:
    assert normalise_password(_full_width("password")) == "password"
    assert normalise_password("Å") == "Å"  # A + combining ring composes
    assert normalise_password("ﬁre") == "fire"  # the ligature is two letters


@given(st.text())
def test_normalisation_is_idempotent(raw: str) -> None:
    once = normalise_password(raw)
    assert normalise_password(once) == once


def test_password_must_be_str() -> None:
    with pytest.raises(TypeError):
        normalise_password(b"password")  # type: ignore[arg-type]


# --- the new-password policy -------------------------------------------------------------------


def test_length_8_is_enough_and_7_is_not() -> None:
    assert check_new_password("xk4-tzqa", blocklist=NO_BLOCKLIST) == "xk4-tzqa"
    assert _reason("xk4-tzq") == "too_short"


@pytest.mark.parametrize("length", [64, 128])
def test_long_passwords_are_welcome(length: int) -> None:
    raw = ("lang adgangskode " * 10)[:length]
    assert check_new_password(raw, blocklist=NO_BLOCKLIST) == raw


def test_length_129_is_too_long() -> None:
    assert _reason("x" * 129) == "too_long"


def test_length_counts_code_points_after_nfkc() -> None:
    # Seven full-width letters are seven code points, and still seven after NFKC.
    assert _reason(_full_width("xktzqab")) == "too_short"
    # "ﬃ" is one code point that NFKC makes three: 6 + 1 becomes 6 + 3.
    assert check_new_password("xktzqaﬃ", blocklist=NO_BLOCKLIST) == "xktzqaffi"
    # Å written as A + combining ring is two code points before NFKC and one after.
    assert _reason("A\u030a" * 7) == "too_short"
    # Letters outside the BMP are one code point each, not two UTF-16 units.
    assert check_new_password("🔑🔑🔑🔑🔑🔑🔑🔑", blocklist=NO_BLOCKLIST) == "🔑" * 8


def test_no_composition_rules() -> None:
    for raw in ("correct horse battery staple", "alllowercaseletters", "rødgrødmedfløde og mere"):
        assert check_new_password(raw, blocklist=NO_BLOCKLIST) == raw


def test_blocklist_refuses_common_passwords_in_any_case() -> None:
    blocklist = load_blocklist(["adgangskode1", "Sommer2024"])
    assert _reason("adgangskode1", blocklist=blocklist) == "common"
    assert _reason("ADGANGSKODE1", blocklist=blocklist) == "common"
    assert _reason("sommer2024", blocklist=blocklist) == "common"
    assert _reason(_full_width("sommer2024"), blocklist=blocklist) == "common"  # after NFKC
    assert check_new_password("sommer2024!", blocklist=blocklist) == "sommer2024!"


def test_load_blocklist_strips_folds_and_skips_comments_and_blanks() -> None:
    lines = ["# a comment", "", "   ", "  Kodeord123  \n", "KØBENHAVN\n", "Straße1234"]
    assert load_blocklist(lines) == frozenset({"kodeord123", "københavn", "strasse1234"})


def test_bundled_blocklist_is_the_data_file() -> None:
    blocklist = bundled_blocklist()
    assert blocklist == load_blocklist(DATA_FILE.read_text(encoding="utf-8").splitlines())
    assert len(blocklist) >= 300
    assert DATA_FILE.read_text(encoding="utf-8").startswith("#")
    commons = [
        "adgangskode",
        "kodeord123",
        "mitid1234",
        "nemid123",
        "sommer2024",
        "vinter2025",
        "danmark123",
        "københavn",
        "hejmeddig",
        "12345678",
        "qwertyuiop",
        "password1",
    ]
    for common in commons:
        assert common in blocklist, common


@pytest.mark.parametrize("raw", ["Adgangskode1", "HEJMEDDIG", "qwertyuiop", "Vinter2025"])
def test_bundled_blocklist_refuses_danish_favourites(raw: str) -> None:
    assert _reason(raw, blocklist=bundled_blocklist()) == "common"


def test_password_must_not_contain_the_user_id() -> None:
    assert _reason("jens1980", user_id="jens1980") == "user_id"
    assert _reason("minkode-JENS1980-x", user_id="jens1980") == "user_id"
    assert _reason("xxÅse2000xx", user_id=" åse2000 ") == "user_id"
    # Short user IDs are not searched for: they would turn up by chance.
    assert check_new_password("abcdefghij", blocklist=NO_BLOCKLIST, user_id="abc") == "abcdefghij"
    assert check_new_password("abcdefghij", blocklist=NO_BLOCKLIST, user_id="zzzz") == "abcdefghij"
    assert check_new_password("abcdefghij", blocklist=NO_BLOCKLIST, user_id=None) == "abcdefghij"


def test_policy_bounds_are_checked() -> None:
    with pytest.raises(ValueError):
        PasswordPolicy(min_length=7)
    with pytest.raises(ValueError):
        PasswordPolicy(max_length=63)
    with pytest.raises(ValueError):
        PasswordPolicy(min_length=100, max_length=80)
    policy = PasswordPolicy(min_length=12, max_length=64)
    assert _reason("elleve tegn", policy=policy) == "too_short"
    assert _reason("x" * 65, policy=policy) == "too_long"


# --- Argon2id ----------------------------------------------------------------------------------


def test_default_parameters_are_in_the_encoded_hash() -> None:
    encoded = PasswordHasher().hash("correct horse battery staple")
    prefix = "$argon2id$v=19$m=19456,t=2,p=1$"
    assert encoded.startswith(prefix)
    salt, digest = encoded[len(prefix) :].split("$")
    assert len(salt) == 22  # 16 bytes, unpadded base64
    assert len(digest) == 43  # 32 bytes


def test_explicit_parameters_are_used() -> None:
    params = Argon2Params(memory_kib=64, time_cost=3, parallelism=2, hash_len=24, salt_len=20)
    encoded = PasswordHasher(params).hash("x")
    assert encoded.startswith("$argon2id$v=19$m=64,t=3,p=2$")
    salt, digest = encoded.split("$")[-2:]
    assert (len(salt), len(digest)) == (27, 32)  # 20 and 24 bytes


def test_hash_then_verify() -> None:
    hasher = PasswordHasher(CHEAP)
    encoded = hasher.hash("rødgrød med fløde")
    hasher.verify(encoded, "rødgrød med fløde")
    with pytest.raises(WrongPassword):
        hasher.verify(encoded, "rodgrod med flode")


def test_salts_differ() -> None:
    hasher = PasswordHasher(CHEAP)
    assert hasher.hash("same password") != hasher.hash("same password")


def test_verify_applies_nfkc_too() -> None:
    hasher = PasswordHasher(CHEAP)
    hasher.verify(hasher.hash(_full_width("password123")), "password123")
    hasher.verify(hasher.hash("password123"), _full_width("password123"))
    # Composed and decomposed Å are the same password.
    hasher.verify(hasher.hash("Århus\u00c5"), "A\u030arhusA\u030a")


@settings(max_examples=25)
@given(st.text(min_size=1, max_size=40), st.text(min_size=1, max_size=40))
def test_only_the_password_verifies(right: str, wrong: str) -> None:
    assume(normalise_password(wrong) != normalise_password(right))
    hasher = PasswordHasher(CHEAP)
    encoded = hasher.hash(right)
    hasher.verify(encoded, right)
    with pytest.raises(WrongPassword):
        hasher.verify(encoded, wrong)


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "not a hash",
        "$argon2id$v=19$m=8,t=1,p=1$garbage",
        "pbkdf2_sha256$600000$salt$hash",
        "$argon2id$v=19$m=8,t=1,p=1$ÅÅÅÅ$ÅÅÅÅ",
    ],
)
def test_unreadable_hash_is_a_value_error_not_a_wrong_password(encoded: str) -> None:
    hasher = PasswordHasher(CHEAP)
    with pytest.raises(ValueError) as caught:
        hasher.verify(encoded, "password")
    assert not isinstance(caught.value, WrongPassword)
    assert str(caught.value) == "stored password hash cannot be read"


def test_needs_rehash() -> None:
    cheap = PasswordHasher(CHEAP)
    other = PasswordHasher(Argon2Params(memory_kib=16, time_cost=1))
    encoded = cheap.hash("password")
    assert cheap.needs_rehash(encoded) is False
    assert other.needs_rehash(encoded) is True
    # An old hash still verifies, so it can be rehashed at the next login.
    other.verify(encoded, "password")
    with pytest.raises(ValueError):
        cheap.needs_rehash("not a hash")


def test_needs_rehash_for_another_argon2_type() -> None:
    argon2i = argon2.PasswordHasher(
        time_cost=1, memory_cost=8, parallelism=1, hash_len=32, salt_len=16, type=argon2.Type.I
    ).hash("password")
    hasher = PasswordHasher(CHEAP)
    hasher.verify(argon2i, "password")
    assert hasher.needs_rehash(argon2i) is True


@given(st.text(max_size=50))
@settings(max_examples=25)
def test_burn_never_raises(raw: str) -> None:
    # In particular not WrongPassword: nothing matches the burn hash, and that is the point.
    PasswordHasher(CHEAP).burn(raw)


def test_burn_takes_as_long_as_a_verify() -> None:
    hasher = PasswordHasher()  # the real cost, so that the times are well above the noise
    encoded = hasher.hash("the real password")

    def fastest(action: object) -> float:
        times = []
        for _ in range(5):
            start = time.perf_counter()
            action()  # type: ignore[operator]
            times.append(time.perf_counter() - start)
        return min(times)

    def verify_wrong() -> None:
        with pytest.raises(WrongPassword):
            hasher.verify(encoded, "a wrong password")

    verify_time = fastest(verify_wrong)
    burn_time = fastest(lambda: hasher.burn("a wrong password"))
    assert burn_time >= 0.5 * verify_time
    assert burn_time <= 2.0 * verify_time


def test_repr_shows_parameters_only() -> None:
    assert repr(PasswordHasher(CHEAP)) == f"PasswordHasher({CHEAP!r})"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"time_cost": 0},
        {"parallelism": 0},
        {"memory_kib": 7},
        {"memory_kib": 15, "parallelism": 2},
        {"salt_len": 8},
        {"hash_len": 4},
        {"time_cost": 2.5},
    ],
)
def test_argon2_params_are_validated(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        Argon2Params(**kwargs)  # type: ignore[arg-type]
