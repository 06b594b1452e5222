"""Key protection in a PSKC file (RFC 6030 §6): the file key, the MAC key, each encrypted value.

python-pskc does the cryptography: it reads the ``EncryptionKey`` and ``MACMethod`` headers,
derives the PBKDF2 key (§6.2) and decrypts the MAC key and every value (AES-CBC, AES key wrap,
…, §6.1). This module decides which key the caller must have given, bounds the PBKDF2 cost the
file asks for, and checks each ``ValueMAC`` in constant time before anything is decrypted.
"""

from __future__ import annotations

import binascii
import copy
import hmac
from dataclasses import dataclass
from typing import Final
from xml.etree.ElementTree import Element

from pskc import PSKC
from pskc.algorithms import normalise_algorithm
from pskc.encryption import algorithm_key_lengths, decrypt
from pskc.exceptions import PSKCError
from pskc.parser import PSKCParser
from pskc.xml import remove_namespaces

from segl.core.errors import PskcError

__all__ = ["MAX_PBKDF2_ITERATIONS", "Encrypted", "KeyProtection"]

# A file sets its own PBKDF2 cost; refuse one that would keep the importer busy for hours.
MAX_PBKDF2_ITERATIONS: Final = 10_000_000
# The MAC algorithms of RFC 6030 §6.1.1 (xmldsig, xmldsig-more) that are still sound.
_HMAC_DIGESTS: Final[dict[str, str]] = {
    "http://www.w3.org/2000/09/xmldsig#hmac-sha1": "sha1",
    "http://www.w3.org/2001/04/xmldsig-more#hmac-sha224": "sha224",
    "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256": "sha256",
    "http://www.w3.org/2001/04/xmldsig-more#hmac-sha384": "sha384",
    "http://www.w3.org/2001/04/xmldsig-more#hmac-sha512": "sha512",
}


@dataclass(frozen=True)
class Encrypted:
    """An ``EncryptedValue`` (its method and CipherValue) and the ``ValueMAC`` beside it."""

    algorithm: str | None
    cipher: bytes
    mac: bytes | None


class KeyProtection:
    """The protection of one file: the headers python-pskc read, and the keys they unlocked."""

    def __init__(self, *, passphrase: bytes | None, psk: bytes | None) -> None:
        self.passphrase = passphrase
        self.psk = psk
        self.pskc = PSKC()
        self.saw_encryption_key = False
        self.key: bytes | None = None
        self._mac_key: bytes | None = None

    @property
    def expected(self) -> bool:
        """The caller gave a key: every value in the file must then be encrypted."""
        return self.passphrase is not None or self.psk is not None

    def header(self, element: Element) -> None:
        name = element.tag.rpartition("}")[2]
        try:
            # python-pskc reads the header without namespaces; give it a copy to strip.
            element = copy.deepcopy(element)
        except RecursionError:
            raise PskcError(f"the {name} is nested too deeply") from None
        remove_namespaces(element)
        try:
            if element.tag == "EncryptionKey":
                PSKCParser.parse_encryption(self.pskc.encryption, element)
            else:
                PSKCParser.parse_mac_method(self.pskc.mac, element)
        except (PSKCError, ValueError, TypeError, binascii.Error) as exc:
            raise PskcError(f"cannot read the {element.tag}: {exc}") from None
        if element.tag == "EncryptionKey":
            self.saw_encryption_key = True

    def unlock(self) -> None:
        """Derive or take the file's encryption key, as the caller told us to (§6.1, §6.2)."""
        encryption = self.pskc.encryption
        derivation = encryption.derivation
        if derivation.algorithm is not None:
            if self.passphrase is None:
                raise PskcError(
                    "the file is encrypted with a passphrase (PBKDF2); give the passphrase"
                )
            iterations = derivation.pbkdf2_iterations or 0
            if iterations > MAX_PBKDF2_ITERATIONS:
                raise PskcError(
                    f"the file asks for {iterations} PBKDF2 iterations;"
                    f" the limit is {MAX_PBKDF2_ITERATIONS}"
                )
            try:
                encryption.derive_key(self.passphrase)
            except (PSKCError, ValueError, TypeError) as exc:
                raise PskcError(f"cannot derive the file key: {exc}") from None
            self.key = encryption.key
        elif self.passphrase is not None and self.saw_encryption_key:
            raise PskcError(
                "the file is encrypted with a pre-shared key, not a passphrase; give the key"
            )
        elif self.psk is not None:
            encryption.key = self.key = self.psk

    # One key package ------------------------------------------------------------------------

    def open(self, value: Encrypted, label: str, field: str) -> bytes:
        if self.key is None:
            raise PskcError(
                f"key {label}: the {field} is encrypted; give the passphrase or pre-shared key"
            )
        algorithm = normalise_algorithm(value.algorithm) or self.pskc.encryption.algorithm
        if algorithm is None:
            raise PskcError(f"key {label}: the {field} has no EncryptionMethod")
        try:
            algorithm_key_lengths(algorithm)
        except PSKCError:
            raise PskcError(
                f"key {label}: unsupported encryption algorithm {algorithm!r}"
            ) from None
        if self.pskc.encryption.algorithm is None:
            # A MACKey without its own EncryptionMethod uses the file's algorithm.
            self.pskc.encryption.algorithm = algorithm
        # RFC 6030 §6.1.1: with an encryption algorithm that has no integrity check of its own
        # (CBC), a MAC MUST be carried in ValueMAC; it covers the CipherValue (IV and
        # ciphertext), and is checked before anything is decrypted.
        if value.mac is not None or algorithm.endswith("-cbc"):
            if value.mac is None:
                raise PskcError(f"key {label}: the {field} is CBC-encrypted but has no ValueMAC")
            expected = self.mac(value.cipher, label)
            if not hmac.compare_digest(expected, value.mac):
                raise PskcError(
                    f"key {label}: the MAC of the {field} does not match; the file was altered,"
                    " or the passphrase or key is wrong"
                )
        try:
            return decrypt(algorithm, self.key, value.cipher, self.pskc.encryption.iv)
        except (PSKCError, ValueError) as exc:
            raise PskcError(
                f"key {label}: cannot decrypt the {field} ({exc}); the passphrase or key is"
                " wrong, or the file was altered"
            ) from None

    def mac(self, message: bytes, label: str) -> bytes:
        algorithm = self.pskc.mac.algorithm
        if algorithm is None:
            raise PskcError(f"key {label}: the file has a ValueMAC but no MACMethod")
        digest = _HMAC_DIGESTS.get(algorithm)
        if digest is None:
            raise PskcError(f"unsupported MAC algorithm {algorithm!r}")
        return hmac.digest(self._file_mac_key(), message, digest)

    def _file_mac_key(self) -> bytes:
        if self._mac_key is None:
            try:
                # The MAC key is itself encrypted under the file key (§6.1.1); decrypt it once.
                self._mac_key = self.pskc.mac.key
            except (PSKCError, ValueError) as exc:
                raise PskcError(
                    f"cannot decrypt the MAC key ({exc}); the passphrase or key is wrong,"
                    " or the file was altered"
                ) from None
            if not self._mac_key:
                raise PskcError("the file has a MACMethod but no MAC key")
        return self._mac_key

    def keys(self) -> tuple[bytes, bytes] | None:
        """The MAC key and the file key, for :class:`PackageChecks`; None if either is not."""
        if self.key is None or self.pskc.mac.algorithm is None:
            return None
        return self._file_mac_key(), self.key
