"""PSKC (RFC 6030) import of one-time-code token seeds.

A vendor ships a batch of tokens as one PSKC file: a ``KeyContainer`` with one ``KeyPackage``
per device (its serial number and its HOTP or TOTP key). segl imports seeds only from such
files, and its device factory writes them (:mod:`segl.core.pskc_writer`).

How the work is split:

* This module streams the document through defusedxml (no DTDs, no entities, no external
  references) and reads each ``KeyPackage`` itself, one at a time. python-pskc's own reader
  builds the whole tree and looks up some forty paths per key: about 60 s and 1.2 GB for
  100,000 devices, where this takes about 16 s and holds one key package at a time.
* :mod:`segl.core.pskc_encryption` unlocks the file (§6) with python-pskc's cryptography and
  checks each ``ValueMAC`` in constant time before anything is decrypted.
* :mod:`segl.core.pskc_binding` checks what ties each seed to its serial number, which the
  ValueMAC does not.
* :mod:`segl.core.pskc_seed` holds what a key package carries (:class:`TokenSeed`) and the rules
  a seed must meet.

Every problem raises :class:`~segl.core.errors.PskcError` naming the key, and nothing is
returned unless every key in the file is good.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Callable, Iterator
from typing import Final
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from segl.core.errors import PskcError
from segl.core.otp import Algorithm
from segl.core.pskc_binding import PackageChecks
from segl.core.pskc_encryption import Encrypted, KeyProtection
from segl.core.pskc_seed import PSKC_NS, SERIAL, XENC_NS, TokenAlgorithm, TokenSeed, check_seed
from segl.core.secrets import Secret

# The data types are imported from here by the importer, the emulators and the tests.
__all__ = ["PSKC_NS", "XENC_NS", "TokenAlgorithm", "TokenSeed", "parse_pskc"]

# The HOTP URI of RFC 6030 and its figures (":hotp"), the TOTP URIs of the PSKC algorithm
# profiles draft (":totp", "#totp"), and the forms of earlier drafts that vendors still ship.
_ALGORITHM_URIS: Final[dict[str, TokenAlgorithm]] = {
    f"{PSKC_NS}:hotp": "hotp",
    f"{PSKC_NS}#hotp": "hotp",
    "http://www.ietf.org/keyprov/pskc#hotp": "hotp",
    f"{PSKC_NS}:totp": "totp",
    f"{PSKC_NS}#totp": "totp",
    "http://www.ietf.org/keyprov/pskc#totp": "totp",
}
_HASH_NAMES: Final[dict[str, Algorithm]] = {"SHA1": "SHA1", "SHA256": "SHA256", "SHA512": "SHA512"}
_INTEGER = re.compile(r"[0-9]{1,20}")

_CONTAINER = f"{{{PSKC_NS}}}KeyContainer"
_ENCRYPTION_KEY = f"{{{PSKC_NS}}}EncryptionKey"
_MAC_METHOD = f"{{{PSKC_NS}}}MACMethod"
_KEY_PACKAGE = f"{{{PSKC_NS}}}KeyPackage"
_CONTAINER_CHILDREN = frozenset(
    f"{{{PSKC_NS}}}{name}"
    for name in ("EncryptionKey", "MACMethod", "KeyPackage", "Signature", "Extensions")
)
_DEVICE_INFO = f"{{{PSKC_NS}}}DeviceInfo"
_MANUFACTURER = f"{{{PSKC_NS}}}Manufacturer"
_SERIAL_NO = f"{{{PSKC_NS}}}SerialNo"
_MODEL = f"{{{PSKC_NS}}}Model"
_KEY = f"{{{PSKC_NS}}}Key"
_ALGORITHM_PARAMETERS = f"{{{PSKC_NS}}}AlgorithmParameters"
_SUITE = f"{{{PSKC_NS}}}Suite"
_RESPONSE_FORMAT = f"{{{PSKC_NS}}}ResponseFormat"
_KEY_REFERENCE = f"{{{PSKC_NS}}}KeyReference"
_DATA = f"{{{PSKC_NS}}}Data"
_PLAIN_VALUE = f"{{{PSKC_NS}}}PlainValue"
_ENCRYPTED_VALUE = f"{{{PSKC_NS}}}EncryptedValue"
_VALUE_MAC = f"{{{PSKC_NS}}}ValueMAC"
_POLICY = f"{{{PSKC_NS}}}Policy"
_KEY_USAGE = f"{{{PSKC_NS}}}KeyUsage"
_PIN_POLICY = f"{{{PSKC_NS}}}PINPolicy"
_UNDERSTOOD_POLICY = frozenset(
    f"{{{PSKC_NS}}}{name}"
    for name in ("StartDate", "ExpiryDate", "NumberOfTransactions", "KeyUsage", "PINPolicy")
)
_ENCRYPTION_METHOD = f"{{{XENC_NS}}}EncryptionMethod"
_CIPHER_VALUE = f"{{{XENC_NS}}}CipherData/{{{XENC_NS}}}CipherValue"
_DATA_FIELDS = frozenset(
    f"{{{PSKC_NS}}}{name}" for name in ("Secret", "Counter", "Time", "TimeInterval", "TimeDrift")
)


def parse_pskc(
    data: bytes,
    *,
    passphrase: bytes | None = None,
    psk: bytes | None = None,
    on_key: Callable[[int], None] | None = None,
) -> list[TokenSeed]:
    """Read every seed of a PSKC file, or raise :class:`PskcError` and read none.

    Give ``passphrase`` for a PBKDF2-encrypted file (RFC 6030 §6.2) or ``psk`` for one
    encrypted with a pre-shared key (§6.1). When either is given, every secret in the file must
    be encrypted: a plaintext seed in a file that should have been encrypted is refused, not
    quietly imported. ``on_key(n)`` is called after the n-th key is read.
    """
    if passphrase is not None and psk is not None:
        raise ValueError("give a passphrase or a pre-shared key, not both")
    if not isinstance(data, bytes):
        raise TypeError("data must be bytes")
    reader = _Reader(passphrase=passphrase, psk=psk)
    seeds: list[TokenSeed] = []
    serials: set[str] = set()
    for position, package in enumerate(reader.packages(data), start=1):
        seed = reader.seed(package, position)
        if seed.serial in serials:
            raise PskcError(f"serial {seed.serial!r} appears more than once in the file")
        serials.add(seed.serial)
        seeds.append(seed)
        if on_key is not None:
            on_key(len(seeds))
    if not seeds:
        raise PskcError("the file holds no keys")
    return seeds


class _Reader:
    """The state of one import: the file's key protection and the binding checks."""

    def __init__(self, *, passphrase: bytes | None, psk: bytes | None) -> None:
        self.protection = KeyProtection(passphrase=passphrase, psk=psk)
        self.checks = PackageChecks(self.protection.keys)

    # The document -------------------------------------------------------------------------

    def packages(self, data: bytes) -> Iterator[Element]:
        """Each ``KeyPackage`` in turn, after the header that precedes it (RFC 6030 §4).

        Only end events are read (half the work of start and end), so the container itself is
        checked when it closes; nothing is returned before that.
        """
        root: Element | None = None
        in_packages = False
        try:
            events = iterparse(
                io.BytesIO(data),
                events=("end",),
                forbid_dtd=True,
                forbid_entities=True,
                forbid_external=True,
            )
            for _, element in events:
                root = element  # the last element to end is the root
                tag = element.tag
                if tag == _KEY_PACKAGE:
                    if not in_packages:
                        self.protection.unlock()
                        in_packages = True
                    yield element
                    element.clear()  # keep memory flat: this package is done
                elif tag in (_ENCRYPTION_KEY, _MAC_METHOD):
                    if in_packages:
                        raise PskcError(f"{_local(tag)} must come before the first KeyPackage")
                    self.protection.header(element)
        except DefusedXmlException:
            raise PskcError(
                "the file declares a DTD or entities; PSKC files have neither"
            ) from None
        except ParseError as exc:
            raise PskcError(f"the file is not well-formed XML ({exc})") from None
        if root is None:
            raise PskcError("the file is empty")
        self._container(root)

    def _container(self, root: Element) -> None:
        if root.tag != _CONTAINER:
            raise PskcError(
                f"not a PSKC file: the root element is {root.tag!r}, "
                f"expected KeyContainer in the namespace {PSKC_NS}"
            )
        # RFC 6030 §4: the Version attribute is "1.0" for this version of the format.
        if root.get("Version") != "1.0":
            raise PskcError(f"unsupported PSKC version {root.get('Version')!r}; expected '1.0'")
        for child in root:
            # XML signatures are not verified: integrity comes from the MAC or the key wrap,
            # and where a batch comes from is checked when it is delivered.
            if child.tag not in _CONTAINER_CHILDREN:
                raise PskcError(f"unexpected element {_local(child.tag)} in the KeyContainer")

    def seed(self, package: Element, position: int) -> TokenSeed:
        serial = manufacturer = model = None
        info = package.find(_DEVICE_INFO)
        if info is not None:
            serial = _text(info.find(_SERIAL_NO))
            manufacturer = _text(info.find(_MANUFACTURER))
            model = _text(info.find(_MODEL))
        keys = package.findall(_KEY)
        label = repr(serial) if serial else f"#{position}"
        if len(keys) != 1:
            raise PskcError(f"key package {label} must hold exactly one Key, not {len(keys)}")
        key = keys[0]
        if not serial:
            raise PskcError(
                f"key {key.get('Id') or position!r}: no DeviceInfo/SerialNo; a device is"
                " activated with the serial number printed on it"
            )
        if not SERIAL.fullmatch(serial):
            raise PskcError(f"key {label}: the serial number is empty, too long or not printable")

        uri = key.get("Algorithm")
        algorithm = _ALGORITHM_URIS.get(uri or "")
        if algorithm is None:
            raise PskcError(f"key {label}: unsupported algorithm {uri!r}; expected HOTP or TOTP")

        digits, hash_algorithm = self._parameters(key.find(_ALGORITHM_PARAMETERS), label)
        _check_policy(key.find(_POLICY), label)
        data = _data_fields(key.find(_DATA), label)

        secret_element = data.get(f"{{{PSKC_NS}}}Secret")
        if secret_element is None:
            if key.find(_KEY_REFERENCE) is not None:
                raise PskcError(f"key {label}: keys derived from a master key are not supported")
            raise PskcError(f"key {label}: no secret (Data/Secret)")
        plain, encrypted = _value(secret_element, label, "Secret")
        secret = self._secret(plain, encrypted, label)

        counter = self._integer(data.get(f"{{{PSKC_NS}}}Counter"), label, "Counter") or 0
        period: int | None = None
        t0 = 0
        if algorithm == "totp":
            period = self._integer(data.get(f"{{{PSKC_NS}}}TimeInterval"), label, "TimeInterval")
            period = 30 if period is None else period
            t0 = self._integer(data.get(f"{{{PSKC_NS}}}Time"), label, "Time") or 0
            counter = 0
        seed = TokenSeed(
            serial=serial,
            algorithm=algorithm,
            secret=Secret(secret),
            digits=digits,
            hash_algorithm=hash_algorithm,
            period=period,
            t0=t0,
            counter=counter,
            manufacturer=manufacturer,
            model=model,
        )
        try:
            check_seed(seed)
        except ValueError as exc:
            raise PskcError(f"key {label}: {exc}") from None
        self.checks.check(
            package,
            serial=serial,
            secret=secret,
            cipher=encrypted.cipher if encrypted else None,
            mac=lambda message: self.protection.mac(message, label),
            label=label,
        )
        return seed

    def _parameters(self, parameters: Element | None, label: str) -> tuple[int, Algorithm]:
        if parameters is None:
            return 6, "SHA1"
        digits = 6
        response = parameters.find(_RESPONSE_FORMAT)
        if response is not None:
            encoding = response.get("Encoding", "DECIMAL")
            if encoding != "DECIMAL":
                raise PskcError(f"key {label}: codes in {encoding!r} are not supported")
            if (response.get("CheckDigits") or "false").lower() in ("true", "1"):
                raise PskcError(f"key {label}: codes with a check digit are not supported")
            length = response.get("Length")
            if length is not None:
                if not _INTEGER.fullmatch(length):
                    raise PskcError(
                        f"key {label}: ResponseFormat Length {length!r} is not a number"
                    )
                digits = int(length)
        suite = parameters.find(_SUITE)
        hash_algorithm: Algorithm = "SHA1"
        if suite is not None:
            name = _text(suite) or suite.get("hashalgo") or "SHA1"
            hash_algorithm = _hash_name(name, label)
        return digits, hash_algorithm

    def _secret(self, plain: str | None, encrypted: Encrypted | None, label: str) -> bytes:
        if encrypted is not None:
            return self.protection.open(encrypted, label, "Secret")
        if self.protection.expected:
            raise PskcError(
                f"key {label}: the secret is not encrypted, but the file was expected to be;"
                " refusing to import a plaintext seed"
            )
        try:
            return base64.b64decode(_squash(plain or ""), validate=True)
        except binascii.Error:
            raise PskcError(f"key {label}: the secret is not valid base64") from None

    def _integer(self, element: Element | None, label: str, field: str) -> int | None:
        if element is None:
            return None
        plain, encrypted = _value(element, label, field)
        if encrypted is not None:
            raw = self.protection.open(encrypted, label, field)
            # Encrypted integers are ASCII digits or big-endian bytes, as python-pskc writes.
            return int(raw) if raw.isdigit() else int.from_bytes(raw, "big")
        text = (plain or "").strip()
        if not _INTEGER.fullmatch(text):
            raise PskcError(f"key {label}: {field} {text!r} is not a non-negative integer")
        return int(text)


def _value(element: Element, label: str, field: str) -> tuple[str | None, Encrypted | None]:
    """A data element's PlainValue text, or its EncryptedValue and ValueMAC (RFC 6030 §4.2)."""
    plain = element.find(_PLAIN_VALUE)
    encrypted = element.find(_ENCRYPTED_VALUE)
    if (plain is None) == (encrypted is None):
        raise PskcError(f"key {label}: the {field} needs exactly one PlainValue or EncryptedValue")
    if plain is not None:
        return plain.text or "", None
    assert encrypted is not None
    method = encrypted.find(_ENCRYPTION_METHOD)
    algorithm = method.get("Algorithm") if method is not None else None
    cipher = _base64(_text(encrypted.find(_CIPHER_VALUE)), label, f"{field} CipherValue")
    mac_element = element.find(_VALUE_MAC)
    mac = None
    if mac_element is not None:
        mac = _base64(_text(mac_element), label, f"{field} ValueMAC")
    return None, Encrypted(algorithm=algorithm, cipher=cipher, mac=mac)


def _data_fields(data: Element | None, label: str) -> dict[str, Element]:
    fields: dict[str, Element] = {}
    for child in data if data is not None else ():
        if child.tag in _DATA_FIELDS:
            if child.tag in fields:
                raise PskcError(f"key {label}: {_local(child.tag)} appears twice")
            fields[child.tag] = child
    return fields


def _check_policy(policy: Element | None, label: str) -> None:
    """RFC 6030 §5: a key whose policy the recipient does not understand MUST NOT be used."""
    if policy is None:
        return
    usages = []
    for child in policy:
        if child.tag not in _UNDERSTOOD_POLICY:
            raise PskcError(f"key {label}: policy element {_local(child.tag)} is not understood")
        if child.tag == _KEY_USAGE:
            usages.append(_text(child))
        elif child.tag == _PIN_POLICY:
            # A PIN checked on the device is the device's business; one sent along with the
            # code would have to be checked here, and segl does not do that.
            mode = child.get("PINUsageMode", "Local")
            if mode != "Local" or len(child):
                raise PskcError(f"key {label}: PIN usage mode {mode!r} is not supported")
    if usages and "OTP" not in usages:
        raise PskcError(f"key {label}: the key's usage ({', '.join(map(str, usages))}) is not OTP")
    # StartDate, ExpiryDate and NumberOfTransactions are understood and left to the
    # inventory: a device's life is managed there, not in the vendor's file.


def _hash_name(name: str, label: str) -> Algorithm:
    """``HMAC-SHA256``, ``SHA-256``, ``sha256``: vendors spell the Suite in many ways."""
    normal = name.strip().upper().replace("-", "").replace("_", "").removeprefix("HMAC")
    if normal in _HASH_NAMES:
        return _HASH_NAMES[normal]
    raise PskcError(f"key {label}: unsupported hash {name!r}; expected SHA1, SHA256 or SHA512")


def _text(element: Element | None) -> str | None:
    if element is None or element.text is None:
        return None
    return element.text.strip() or None


def _squash(text: str) -> str:
    return "".join(text.split())


def _base64(text: str | None, label: str, what: str) -> bytes:
    try:
        value = base64.b64decode(_squash(text or ""), validate=True)
    except binascii.Error:
        raise PskcError(f"key {label}: the {what} is not valid base64") from None
    if not value:
        raise PskcError(f"key {label}: the {what} is empty")
    return value


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]
