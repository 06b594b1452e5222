"""Signed checkpoints: what is signed reads back; anything else is refused."""

import json
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key

from segl.core.checkpoints import (
    CheckpointError,
    Head,
    generate_signing_key_pem,
    key_id,
    load_signing_key,
    load_verify_key,
    public_key_pem,
    read_checkpoint,
    sign_checkpoint,
)

KEY = load_signing_key(generate_signing_key_pem())
KEYS = {key_id(KEY.public_key()): KEY.public_key()}
AT = datetime(2026, 11, 23, 19, 37, tzinfo=UTC)
HEADS = [Head(3, 7, "c" * 64), Head(-1, 120, "a" * 64), Head(0, 57, "b" * 64)]


def test_a_checkpoint_reads_back():
    line = sign_checkpoint(KEY, at=AT, heads=HEADS)
    assert "\n" not in line
    checkpoint = read_checkpoint(line, KEYS)
    assert checkpoint.at == AT
    assert [h.partition for h in checkpoint.heads] == [-1, 0, 3]
    assert set(checkpoint.heads) == set(HEADS)


def test_a_syslog_prefix_is_ignored():
    line = sign_checkpoint(KEY, at=AT, heads=HEADS)
    assert read_checkpoint("Nov 23 19:37:00 host segl-audit: " + line, KEYS).heads


@pytest.mark.parametrize(
    "change",
    [
        lambda b: b["heads"][1].__setitem__(1, 56),
        lambda b: b["heads"][1].__setitem__(2, "d" * 64),
        lambda b: b["heads"].pop(),
        lambda b: b.__setitem__("at", "2027-01-01T00:00:00.000000+00:00"),
    ],
)
def test_a_changed_checkpoint_is_refused(change):
    body = json.loads(sign_checkpoint(KEY, at=AT, heads=HEADS))
    change(body)
    with pytest.raises(CheckpointError, match="signature"):
        read_checkpoint(json.dumps(body), KEYS)


def test_a_checkpoint_of_another_key_is_refused():
    other = load_signing_key(generate_signing_key_pem())
    line = sign_checkpoint(other, at=AT, heads=HEADS)
    with pytest.raises(CheckpointError, match="not a known checkpoint key"):
        read_checkpoint(line, KEYS)
    # Relabelled with our key id, the signature still does not match.
    body = json.loads(line)
    body["key"] = next(iter(KEYS))
    with pytest.raises(CheckpointError, match="signature"):
        read_checkpoint(json.dumps(body), KEYS)


@pytest.mark.parametrize(
    "line",
    [
        "",
        "hello",
        "{",
        "[1]",
        '{"type":"x"}',
        '{"a":' + "[" * 100000,
        '{"type":"segl-audit-checkpoint","v":1}',
    ],
)
def test_malformed_lines_raise_a_checkpoint_error(line):
    with pytest.raises(CheckpointError):
        read_checkpoint(line, KEYS)


def test_the_public_key_alone_verifies():
    public = load_verify_key(public_key_pem(KEY.public_key()))
    line = sign_checkpoint(KEY, at=AT, heads=HEADS)
    assert read_checkpoint(line, {key_id(public): public}).heads


def test_only_ed25519_keys_are_accepted():
    from cryptography.hazmat.primitives import serialization

    pem = generate_private_key(SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ValueError, match="Ed25519"):
        load_signing_key(pem)
    with pytest.raises(ValueError):
        load_verify_key(b"not a key")


def test_a_naive_time_is_a_programming_error():
    with pytest.raises(ValueError):
        sign_checkpoint(KEY, at=datetime(2026, 1, 1), heads=HEADS)
