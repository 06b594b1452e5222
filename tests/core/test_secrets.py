"""Secrets at rest: the Secret wrapper and the AES-256-GCM key ring with rotation."""

from __future__ import annotations

import base64
import dataclasses
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segl.core.errors import SecretError
from segl.core.secrets import KeyRing, Secret, format_key, generate_key

KEY_A = bytes(range(32))
KEY_B = bytes(range(32, 64))
AAD = b"device:CD0000000018"
TOKEN = re.compile(r"v1\.[A-Za-z0-9_-]{1,32}\.[A-Za-z0-9_-]+")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def ring(**keys: bytes) -> KeyRing:
    return KeyRing(keys, active=next(iter(keys)))


# --- Secret ----------------------------------------------------------------------------------


def test_secret_never_shows_its_value() -> None:
    secret = Secret(b"hunter2-and-more")
    assert repr(secret) == "Secret('**********')"
    assert str(secret) == "Secret('**********')"
    assert f"{secret}" == "Secret('**********')"
    assert "hunter2" not in repr([secret, {"k": secret}])


def test_secret_stays_hidden_inside_a_dataclass_repr() -> None:
    @dataclasses.dataclass
    class Row:
        serial: str
        seed: Secret

    assert "hunter2" not in repr(Row("CD1", Secret(b"hunter2")))


def test_secret_reveals_its_bytes() -> None:
    assert Secret(b"\x00\x01").reveal() == b"\x00\x01"


def test_secrets_compare_by_value() -> None:
    assert Secret(b"same") == Secret(b"same")
    assert Secret(b"same") != Secret(b"diff")
    assert Secret(b"same") != Secret(b"same but longer")


def test_a_secret_never_equals_raw_bytes() -> None:
    assert Secret(b"same") != b"same"
    assert Secret(b"same") != b"same"


def test_secret_uses_a_constant_time_compare(monkeypatch: pytest.MonkeyPatch) -> None:
    import hmac

    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    assert Secret(b"x") == Secret(b"x")
    assert calls == [(b"x", b"x")]


def test_secret_is_not_hashable() -> None:
    with pytest.raises(TypeError):
        hash(Secret(b"x"))
    with pytest.raises(TypeError):
        {Secret(b"x")}


def test_secret_wraps_bytes_only() -> None:
    with pytest.raises(TypeError):
        Secret("text")  # type: ignore[arg-type]


# --- KeyRing ---------------------------------------------------------------------------------


def test_encrypt_then_decrypt() -> None:
    keys = ring(a=KEY_A)
    token = keys.encrypt(b"seed bytes", aad=AAD)
    assert TOKEN.fullmatch(token)
    assert token.startswith("v1.a.")
    assert keys.decrypt(token, aad=AAD) == b"seed bytes"


def test_the_token_carries_a_96_bit_nonce_and_a_tag() -> None:
    token = ring(a=KEY_A).encrypt(b"", aad=AAD)
    blob = base64.urlsafe_b64decode(token.split(".")[2] + "==")
    assert len(blob) == 12 + 16


def test_every_encryption_uses_a_fresh_nonce() -> None:
    keys = ring(a=KEY_A)
    tokens = {keys.encrypt(b"same", aad=AAD) for _ in range(50)}
    assert len(tokens) == 50


def test_the_aad_binds_a_ciphertext_to_its_row() -> None:
    keys = ring(a=KEY_A)
    token = keys.encrypt(b"seed", aad=b"device:CD0000000018")
    with pytest.raises(SecretError):
        keys.decrypt(token, aad=b"device:CD0000000026")


def test_an_unknown_key_id_is_refused() -> None:
    token = ring(a=KEY_A).encrypt(b"seed", aad=AAD)
    with pytest.raises(SecretError, match="unknown key id"):
        ring(b=KEY_B).decrypt(token, aad=AAD)


def test_the_key_id_is_authenticated() -> None:
    # Two ids for the same key: relabelling a token must still fail.
    keys = KeyRing({"a": KEY_A, "b": KEY_A}, active="a")
    token = keys.encrypt(b"seed", aad=AAD)
    with pytest.raises(SecretError):
        keys.decrypt("v1.b." + token.split(".", 2)[2], aad=AAD)


@pytest.mark.parametrize(
    "token",
    [
        "",
        "v1",
        "v1.a",
        "v2.a.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1.a.b.c",
        "v1..AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1.a!.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "v1.a.AAAA",  # shorter than nonce and tag
        "v1.a.A",  # not base64url
        "v1.a.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",  # padding is not part of the format
        "v1.a.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+/",
    ],
)
def test_malformed_tokens_raise_secret_error(token: str) -> None:
    with pytest.raises(SecretError):
        ring(a=KEY_A).decrypt(token, aad=AAD)


def test_a_token_must_be_text() -> None:
    with pytest.raises(TypeError):
        ring(a=KEY_A).decrypt(b"v1.a.AAAA", aad=AAD)  # type: ignore[arg-type]


def test_rotation_moves_tokens_to_the_active_key() -> None:
    old = ring(a=KEY_A)
    token = old.encrypt(b"seed", aad=AAD)
    new = KeyRing({"b": KEY_B, "a": KEY_A}, active="b")
    assert new.needs_rotation(token)
    rotated = new.rotate(token, aad=AAD)
    assert rotated.startswith("v1.b.")
    assert not new.needs_rotation(rotated)
    assert new.decrypt(rotated, aad=AAD) == b"seed"
    # Once every row is rotated, the old key can go.
    assert ring(b=KEY_B).decrypt(rotated, aad=AAD) == b"seed"
    with pytest.raises(SecretError):
        ring(b=KEY_B).decrypt(token, aad=AAD)


def test_rotation_checks_the_aad() -> None:
    keys = KeyRing({"b": KEY_B, "a": KEY_A}, active="b")
    token = ring(a=KEY_A).encrypt(b"seed", aad=AAD)
    with pytest.raises(SecretError):
        keys.rotate(token, aad=b"device:other")


def test_needs_rotation_refuses_malformed_tokens() -> None:
    with pytest.raises(SecretError):
        ring(a=KEY_A).needs_rotation("not a token")


def test_from_config_takes_the_first_key_as_active() -> None:
    keys = KeyRing.from_config(f"2025:{b64url(KEY_B)}, 2024:{b64url(KEY_A)}")
    assert keys.active == "2025"
    assert keys.kids == ("2025", "2024")
    token = ring(**{"2024": KEY_A}).encrypt(b"seed", aad=AAD)
    assert keys.decrypt(token, aad=AAD) == b"seed"


def test_from_config_accepts_padded_keys() -> None:
    padded = base64.urlsafe_b64encode(KEY_A).decode()
    assert padded.endswith("=")
    assert KeyRing.from_config(f"k1:{padded}").active == "k1"


def test_format_key_round_trips_through_from_config() -> None:
    key = generate_key()
    assert len(key) == 32
    assert generate_key() != key
    keys = KeyRing.from_config(format_key("main", key))
    assert keys.decrypt(KeyRing({"main": key}, "main").encrypt(b"x", aad=b""), aad=b"") == b"x"


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("no-colon", "is not 'kid:<base64url key>'"),
        (f"k1:{b64url(KEY_A)},", "entry 2"),
        (f":{b64url(KEY_A)}", "entry 1"),
        (f"bad kid:{b64url(KEY_A)}", "key id"),
        (f"{'k' * 33}:{b64url(KEY_A)}", "key id"),
        (f"k1:{b64url(KEY_A)},k1:{b64url(KEY_B)}", "twice"),
        ("k1:not*base64", "not valid base64url"),
        (f"k1:{b64url(KEY_A[:16])}", "16 bytes; AES-256-GCM needs 32"),
    ],
)
def test_from_config_explains_bad_configuration(config: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)) as excinfo:
        KeyRing.from_config(config)
    # The message never repeats key material.
    assert b64url(KEY_A) not in str(excinfo.value)
    assert b64url(KEY_B) not in str(excinfo.value)


def test_keyring_checks_its_arguments() -> None:
    with pytest.raises(ValueError, match="at least one key"):
        KeyRing({}, active="a")
    with pytest.raises(ValueError, match="not in the key ring"):
        KeyRing({"a": KEY_A}, active="b")
    with pytest.raises(ValueError, match="31 bytes"):
        KeyRing({"a": KEY_A[:31]}, active="a")
    with pytest.raises(TypeError):
        KeyRing({"a": "0" * 32}, active="a")  # type: ignore[dict-item]
    with pytest.raises(ValueError):
        format_key("no spaces allowed", KEY_A)


def test_keyring_repr_shows_ids_not_keys() -> None:
    text = repr(KeyRing({"a": KEY_A, "b": KEY_B}, active="a"))
    assert text == "KeyRing(active='a', kids=['a', 'b'])"


# --- properties ------------------------------------------------------------------------------

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=+/! v"


@given(plaintext=st.binary(max_size=256), aad=st.binary(max_size=64))
def test_encrypt_decrypt_round_trip(plaintext: bytes, aad: bytes) -> None:
    keys = KeyRing({"b": KEY_B, "a": KEY_A}, active="b")
    assert keys.decrypt(keys.encrypt(plaintext, aad=aad), aad=aad) == plaintext


@given(
    plaintext=st.binary(max_size=64),
    data=st.data(),
)
def test_changing_any_character_of_a_token_raises_secret_error(
    plaintext: bytes, data: st.DataObject
) -> None:
    keys = KeyRing({"a": KEY_A, "b": KEY_B}, active="a")
    token = keys.encrypt(plaintext, aad=AAD)
    index = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from(ALPHABET).filter(lambda c: c != token[index]))
    tampered = token[:index] + replacement + token[index + 1 :]
    with pytest.raises(SecretError):
        keys.decrypt(tampered, aad=AAD)


@given(plaintext=st.binary(max_size=64), data=st.data())
def test_flipping_any_bit_of_the_sealed_bytes_raises_secret_error(
    plaintext: bytes, data: st.DataObject
) -> None:
    keys = ring(a=KEY_A)
    token = keys.encrypt(plaintext, aad=AAD)
    blob = bytearray(base64.urlsafe_b64decode(token.split(".")[2] + "=" * 3))
    index = data.draw(st.integers(0, len(blob) - 1))
    blob[index] ^= 1 << data.draw(st.integers(0, 7))
    with pytest.raises(SecretError):
        keys.decrypt(f"v1.a.{b64url(bytes(blob))}", aad=AAD)


@given(plaintext=st.binary(max_size=64), cut=st.integers(1, 60))
def test_truncated_tokens_raise_secret_error(plaintext: bytes, cut: int) -> None:
    keys = ring(a=KEY_A)
    token = keys.encrypt(plaintext, aad=AAD)
    with pytest.raises(SecretError):
        keys.decrypt(token[: max(0, len(token) - cut)], aad=AAD)
