"""Writing PSKC (RFC 6030) files, as segl's device factory ships a batch.

A written file is what :func:`segl.core.pskc.parse_pskc` reads back, and each of its key
packages carries a serial binding (:mod:`segl.core.pskc_binding`): the seed cannot be moved to
another serial without the file's key.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Sequence
from typing import Final
from xml.etree.ElementTree import Element, register_namespace

from pskc import PSKC
from pskc.device import Device
from pskc.serialiser import PSKCSerialiser
from pskc.xml import tostring

from segl.core.pskc_binding import SEGL_NS, add_binding, binding_message, factory_mac_key
from segl.core.pskc_seed import PSKC_NS, SERIAL, XENC_NS, TokenAlgorithm, TokenSeed, check_seed

__all__ = ["write_pskc"]

_WRITE_URIS: Final[dict[TokenAlgorithm, str]] = {
    "hotp": f"{PSKC_NS}:hotp",
    "totp": f"{PSKC_NS}:totp",
}
_MIN_WRITE_ITERATIONS = 1_000  # RFC 8018 §4.2: "a minimum of 1000 iterations is recommended"
_LABEL = re.compile(r"[^\x00-\x1f\x7f]{1,256}")
_SECRET_CIPHER: Final = "/".join(
    (
        f"{{{PSKC_NS}}}Key/{{{PSKC_NS}}}Data/{{{PSKC_NS}}}Secret/{{{PSKC_NS}}}EncryptedValue",
        f"{{{XENC_NS}}}CipherData/{{{XENC_NS}}}CipherValue",
    )
)
register_namespace("segl", SEGL_NS)


class _BindingSerialiser(PSKCSerialiser):
    """python-pskc's writer, with a serial binding after each key package's Key."""

    @classmethod
    def serialise_key_package(cls, device: Device, container: Element) -> None:
        super().serialise_key_package(device, container)
        package = container[-1]
        cipher = base64.b64decode(package.findtext(_SECRET_CIPHER) or "")
        assert device.serial is not None and cipher, "write_pskc encrypts every secret"
        add_binding(package, device.pskc.mac.generate_mac(binding_message(device.serial, cipher)))


def _check_label(name: str, value: str | None, pattern: re.Pattern[str]) -> None:
    """Text that reads back as written: printable, no surrounding spaces, valid UTF-8."""
    if value is None and name != "serial":
        return
    if (
        not isinstance(value, str)
        or not pattern.fullmatch(value)
        or value != value.strip()
        or any(0xD800 <= ord(char) <= 0xDFFF or ord(char) in (0xFFFE, 0xFFFF) for char in value)
    ):
        raise ValueError(f"{name} {value!r} is empty, too long or not printable text")


def _check(seeds: Sequence[TokenSeed]) -> None:
    serials: set[str] = set()
    secrets: set[bytes] = set()
    for seed in seeds:
        _check_label("serial", seed.serial, SERIAL)
        _check_label("manufacturer", seed.manufacturer, _LABEL)
        _check_label("model", seed.model, _LABEL)
        if seed.algorithm not in _WRITE_URIS:
            raise ValueError(f"{seed.serial}: unsupported algorithm {seed.algorithm!r}")
        try:
            check_seed(seed)
        except ValueError as exc:
            raise ValueError(f"{seed.serial}: {exc}") from None
        if seed.serial in serials:
            raise ValueError(f"serial {seed.serial!r} appears more than once")
        serials.add(seed.serial)
        fingerprint = hashlib.sha256(seed.secret.reveal()).digest()
        if fingerprint in secrets:
            raise ValueError(f"{seed.serial}: the same seed as another device")
        secrets.add(fingerprint)


def write_pskc(
    seeds: Sequence[TokenSeed], *, passphrase: bytes, iterations: int = 100_000
) -> bytes:
    """A PSKC file with every seed, encrypted under a key derived from ``passphrase``.

    As a vendor ships a batch (RFC 6030 §6.2): PBKDF2 (its default PRF, HMAC-SHA1) derives an
    AES-256-CBC key; each secret is encrypted and carries an HMAC-SHA256 ``ValueMAC`` under a
    random MAC key, itself encrypted in ``MACMethod``; each key package carries a serial binding
    under the same MAC key. Counters and times stay in plaintext.
    """
    if not seeds:
        raise ValueError("nothing to write: no seeds")
    if not isinstance(passphrase, bytes) or not passphrase:
        raise ValueError("a non-empty passphrase (bytes) is needed")
    if iterations < _MIN_WRITE_ITERATIONS:
        raise ValueError(f"use at least {_MIN_WRITE_ITERATIONS} PBKDF2 iterations")
    _check(seeds)

    container = PSKC()
    # Set up the MAC first, so that the encryption set-up keeps it instead of its default.
    container.mac.setup(algorithm="hmac-sha256")
    # python-pskc 1.4 writes a non-default PBKDF2 PRF as element text but reads it from an
    # attribute, so its default (HMAC-SHA1, also RFC 8018's default) is the one that survives.
    container.encryption.setup_pbkdf2(passphrase, algorithm="aes256-cbc", iterations=iterations)
    file_key = container.encryption.key
    assert file_key is not None, "setup_pbkdf2 derives it"
    # The MAC key marks the file as segl's, so that a reader requires every serial binding.
    container.mac.key = factory_mac_key(file_key)
    for seed in seeds:
        key = container.add_key(
            id=seed.serial,
            serial=seed.serial,
            manufacturer=seed.manufacturer,
            model=seed.model,
            algorithm=_WRITE_URIS[seed.algorithm],
            secret=seed.secret.reveal(),
            response_encoding="DECIMAL",
            response_length=seed.digits,
            algorithm_suite=f"HMAC-{seed.hash_algorithm}",
        )
        if seed.algorithm == "totp":
            key.time_offset = seed.t0
            key.time_interval = seed.period
        else:
            key.counter = seed.counter
        key.policy.key_usage.append("OTP")
    return tostring(_BindingSerialiser.serialise_document(container))
