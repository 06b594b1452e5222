"""Secure messaging after Chip Authentication (ICAO Doc 9303 Part 11 §6.2 and §9.8), AES-128:
how segl sees that a chip holds its DG14 key although only a reader talks to it.

Chip Authentication version 1 has no answer of its own: the chip and the reader agree on a
secret (ECDH of the chip's static key and the reader's ephemeral one) and from then on the chip
speaks secure messaging under keys derived from it (§9.7.1: SHA-1 of the secret and a 32-bit
counter, 1 for encryption, 2 for the MAC, the first 16 bytes each). A copy of the chip's data
on another chip cannot, lacking the private key. So segl plays the reader's part in the
cryptography: it makes the ephemeral key, derives the keys, and hands the reader one protected
command (READ BINARY of the first bytes of DG14, by its short file identifier) to relay; the
chip's protected response must carry a MAC under the agreed key and, decrypted, the bytes of
DG14 that segl read earlier. A recorded response fails: every proofing has its own ephemeral key.

Send sequence counter (16 bytes) starts at 0 and goes up by one before each command and each
response; data is padded as ISO/IEC 9797-1 method 2 (0x80, then zeros); a MAC is AES-CMAC over
the padded counter and message, its first 8 bytes; data is encrypted with AES-CBC under an IV
that is the counter encrypted with the encryption key (§9.8.6.2).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .errors import DocumentRefused

BLOCK = 16
MAC_BYTES = 8
DG14_SFI = 0x0E
READ_BYTES = 8  # how much of DG14 the protected READ BINARY asks for
_OK = b"\x99\x02\x90\x00"  # DO'99': the status word 9000


@dataclass(frozen=True)
class SessionKeys:
    enc: bytes
    mac: bytes

    def __repr__(self) -> str:
        return "SessionKeys(...)"


def session_keys(shared_secret: bytes) -> SessionKeys:
    def derive(counter: int) -> bytes:
        digest = hashlib.sha1(shared_secret + counter.to_bytes(4, "big"))  # noqa: S324 - Part 11
        return digest.digest()[:16]

    return SessionKeys(enc=derive(1), mac=derive(2))


def pad(data: bytes) -> bytes:
    """ISO/IEC 9797-1 padding method 2 to a whole number of AES blocks."""
    padded = data + b"\x80"
    return padded + bytes(-len(padded) % BLOCK)


def unpad(data: bytes) -> bytes:
    stripped = data.rstrip(b"\x00")
    if not stripped.endswith(b"\x80"):
        raise ValueError("not padded")
    return stripped[:-1]


def _counter(n: int) -> bytes:
    return n.to_bytes(BLOCK, "big")


def _mac(keys: SessionKeys, ssc: int, message: bytes) -> bytes:
    mac = cmac.CMAC(algorithms.AES(keys.mac))
    mac.update(pad(_counter(ssc) + message))
    return mac.finalize()[:MAC_BYTES]


def _cipher(keys: SessionKeys, ssc: int) -> Cipher[modes.CBC]:
    iv_maker = Cipher(algorithms.AES(keys.enc), modes.ECB()).encryptor()  # noqa: S305 - one block, the IV
    iv = iv_maker.update(_counter(ssc)) + iv_maker.finalize()
    return Cipher(algorithms.AES(keys.enc), modes.CBC(iv))


def _tlv(tag: int, value: bytes) -> bytes:
    return bytes([tag, len(value)]) + value


def read_command(keys: SessionKeys, *, sfi: int = DG14_SFI, length: int = READ_BYTES) -> bytes:
    """The protected READ BINARY (counter 1) of the first ``length`` bytes of file ``sfi``."""
    header = bytes([0x0C, 0xB0, 0x80 | sfi, 0x00])
    le = _tlv(0x97, bytes([length]))
    mac = _tlv(0x8E, _mac(keys, 1, pad(header) + le))
    body = le + mac
    return header + bytes([len(body)]) + body + b"\x00"


def parse_command(keys: SessionKeys, command: bytes) -> tuple[int, int]:
    """What a chip does with a protected READ BINARY: check its MAC (counter 1); the short file
    identifier and the length asked for. ``ValueError`` for any other command."""
    if len(command) != 4 + 1 + 3 + 10 + 1 or command[:2] != b"\x0c\xb0" or not command[2] & 0x80:
        raise ValueError("not a protected READ BINARY")
    header, le, mac = command[:4], command[5:8], command[8:18]
    if le[:2] != b"\x97\x01" or mac[:2] != b"\x8e\x08":
        raise ValueError("not a protected READ BINARY")
    if not hmac.compare_digest(mac[2:], _mac(keys, 1, pad(header) + le)):
        raise ValueError("wrong MAC")
    return command[2] & 0x1F, le[2]


def protect_response(keys: SessionKeys, data: bytes) -> bytes:
    """A chip's protected answer (counter 2): the data encrypted (DO'87'), the status (DO'99')
    and the MAC (DO'8E')."""
    encryptor = _cipher(keys, 2).encryptor()
    encrypted = encryptor.update(pad(data)) + encryptor.finalize()
    do87 = _tlv(0x87, b"\x01" + encrypted)
    return do87 + _OK + _tlv(0x8E, _mac(keys, 2, do87 + _OK)) + b"\x90\x00"


def verify_response(keys: SessionKeys, response: bytes, expected: bytes) -> None:
    """The chip's answer to :func:`read_command`: its MAC under the agreed key, status 9000,
    and ``expected`` (the file's first bytes, read before) as its data. Raises
    ``chip_not_genuine``."""
    refused = DocumentRefused("chip_not_genuine")
    if len(response) < 2 + 1 + BLOCK + len(_OK) + 2 + MAC_BYTES + 2 or response[0] != 0x87:
        raise refused
    length = response[1]
    do87 = response[: 2 + length]
    rest = response[2 + length :]
    if length != 1 + BLOCK * ((len(expected) + BLOCK) // BLOCK) or do87[2] != 1:
        raise refused
    if rest[: len(_OK)] != _OK or rest[len(_OK) : len(_OK) + 2] != b"\x8e\x08":
        raise refused
    mac = rest[len(_OK) + 2 : len(_OK) + 2 + MAC_BYTES]
    if rest[len(_OK) + 2 + MAC_BYTES :] != b"\x90\x00":
        raise refused
    if not hmac.compare_digest(mac, _mac(keys, 2, do87 + _OK)):
        raise refused
    decryptor = _cipher(keys, 2).decryptor()
    try:
        data = unpad(decryptor.update(do87[3:]) + decryptor.finalize())
    except ValueError:
        raise refused from None
    if not hmac.compare_digest(data, expected):
        raise refused
