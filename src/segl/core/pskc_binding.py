"""What ties a PSKC key package's seed to its serial number (decision 21).

RFC 6030 §6.1.1's ValueMAC covers an encrypted value alone (its CipherValue: IV and
ciphertext), not the ``KeyPackage`` around it, and nothing else in the format ties a Key's
``Data`` to the package's ``DeviceInfo``. Moving one package's ``Data`` into another, or
swapping two packages' ``SerialNo``, leaves every ValueMAC good: the file would import, with
seeds under serials that are not theirs. So segl checks, while it reads a file:

* Every file: no two serials share a seed. A copied ``Data`` would give two devices the same
  codes.
* Files from segl's factory are bound. Their MAC key is marked (:func:`factory_mac_key`: a
  random half and an HMAC of it under the file's key), which only a holder of the file's key
  can make and nobody can remove without breaking every ValueMAC. Each key package of a marked
  file must carry, in an ``Extensions`` element (RFC 6030's extension point), a
  ``SerialBinding``: the file's MAC (the MACMethod's algorithm and key, as for a ValueMAC) over
  the serial number and the secret's CipherValue. A missing or wrong one is refused, as is a
  wrong one in any other file.

A vendor's file is not bound: a swap of its serials cannot be seen in the file, and shows when
the device is activated, where its code does not match.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from collections.abc import Callable
from typing import Final
from xml.etree.ElementTree import Element, SubElement

from segl.core.errors import PskcError

__all__ = [
    "DEFINITION",
    "SEGL_NS",
    "PackageChecks",
    "add_binding",
    "binding_message",
    "factory_mac_key",
]

SEGL_NS: Final = "urn:x-segl:pskc"
DEFINITION: Final = "urn:x-segl:pskc:serial-binding:1"
_PSKC_NS: Final = "urn:ietf:params:xml:ns:keyprov:pskc"
_EXTENSIONS: Final = f"{{{_PSKC_NS}}}Extensions"
_BINDING: Final = f"{{{SEGL_NS}}}SerialBinding"
# The serial is printable text (no NUL), so the NUL after it ends it unambiguously.
_CONTEXT: Final = b"segl pskc serial binding 1\x00"
_MARK_CONTEXT: Final = b"segl factory mac key 1\x00"
_MARK_BYTES: Final = 32


def factory_mac_key(file_key: bytes, nonce: bytes | None = None) -> bytes:
    """A MAC key that marks its file as one of segl's factory: ``nonce || HMAC(file_key, …)``."""
    nonce = os.urandom(_MARK_BYTES) if nonce is None else nonce
    return nonce + hmac.digest(file_key, _MARK_CONTEXT + nonce, "sha256")


def _is_factory_mac_key(mac_key: bytes, file_key: bytes) -> bool:
    if len(mac_key) != 2 * _MARK_BYTES:
        return False
    return hmac.compare_digest(factory_mac_key(file_key, mac_key[:_MARK_BYTES]), mac_key)


def binding_message(serial: str, cipher: bytes) -> bytes:
    """What the ``SerialBinding`` MAC covers: the serial and the secret's CipherValue."""
    return _CONTEXT + serial.encode("utf-8") + b"\x00" + cipher


def add_binding(package: Element, mac: bytes) -> None:
    """Append the ``Extensions`` element carrying ``mac`` to a ``KeyPackage`` being written."""
    extensions = SubElement(package, _EXTENSIONS, {"definition": DEFINITION})
    SubElement(extensions, _BINDING).text = base64.b64encode(mac).decode()


def _binding(package: Element, label: str) -> bytes | None:
    found = [
        binding
        for extensions in package.findall(_EXTENSIONS)
        if extensions.get("definition") == DEFINITION
        for binding in extensions.findall(_BINDING)
    ]
    if not found:
        return None
    if len(found) > 1:
        raise PskcError(f"key {label}: more than one serial binding")
    try:
        return base64.b64decode("".join((found[0].text or "").split()), validate=True)
    except binascii.Error:
        raise PskcError(f"key {label}: the serial binding is not valid base64") from None


class PackageChecks:
    """The checks across one file's key packages, given each package as it is read.

    ``keys()`` gives the file's MAC key and file key once the first package needs them (None
    when the file has no MAC or is not encrypted); whether the file is marked as segl's is
    decided then, once.
    """

    def __init__(self, keys: Callable[[], tuple[bytes, bytes] | None]) -> None:
        self._keys = keys
        self._factory: bool | None = None
        self._seeds: dict[bytes, str] = {}

    def check(
        self,
        package: Element,
        *,
        serial: str,
        secret: bytes,
        cipher: bytes | None,
        mac: Callable[[bytes], bytes],
        label: str,
    ) -> None:
        """Raise :class:`PskcError` if this package's seed is another's, or its binding fails.

        ``cipher`` is the secret's CipherValue (None for a plaintext secret) and ``mac`` the
        file's MAC function, the one its ValueMACs are checked with.
        """
        fingerprint = hashlib.sha256(secret).digest()
        other = self._seeds.setdefault(fingerprint, serial)
        if other != serial:
            raise PskcError(
                f"key {label}: has the same seed as key {other!r}; every device needs a seed of"
                " its own (was a key package's Data copied?)"
            )
        if self._factory is None:
            keys = self._keys()
            self._factory = keys is not None and _is_factory_mac_key(*keys)
        value = _binding(package, label)
        if value is None:
            if self._factory:
                raise PskcError(
                    f"key {label}: the file comes from segl's factory, but this key package"
                    " has no serial binding; the file was altered"
                )
            return
        if cipher is None or not hmac.compare_digest(mac(binding_message(serial, cipher)), value):
            raise PskcError(
                f"key {label}: the serial binding does not match; the key package was"
                " relabelled or altered"
            )
