"""Clone detection: the chip proves it holds a private key whose public key the issuing state
signed (in DG15 or DG14, hashed in the SOD). Data can be copied to another chip; the key cannot.
Both protocols answer a challenge the server chose, so no answer can be replayed.

Active Authentication (ICAO Doc 9303 Part 11 §6.1): the chip signs an 8-byte challenge with the
key of DG15.

- ECDSA: a plain signature (r ‖ s, BSI TR-03111 §5.2.1) with the hash DG14 names.
- RSA: a signature giving message recovery, ISO/IEC 9796-2 digital signature scheme 1: the
  chip returns Σ; the recovered representative J = Σ^e mod n (or n - that) is
  ``6A ‖ M1 ‖ H(M1 ‖ challenge) ‖ trailer``, the trailer ``BC`` for SHA-1 or two bytes
  ``xxCC`` naming the hash (ISO/IEC 10118-3 hash identifiers).

Chip Authentication (Part 11 §6.2, key agreement with the DG14 key): segl makes a fresh
ephemeral key, the reader sends its public part to the chip, and the chip, which alone can
agree the same secret, answers segl's protected command in secure messaging under the keys
derived from it (:mod:`segl.core.secure_messaging`); the reader only relays.
"""

from __future__ import annotations

import hmac

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_der_public_key

from .errors import DocumentRefused
from .secure_messaging import READ_BYTES, SessionKeys, session_keys, verify_response
from .signed_data import digest, hash_algorithm

CHALLENGE_BYTES = 8
# ISO/IEC 9796-2 trailer bytes (before 0xCC): the ISO/IEC 10118-3 hash identifiers
_TRAILER_HASHES = {0x33: "sha1", 0x34: "sha256", 0x35: "sha512", 0x36: "sha384", 0x38: "sha224"}
_HASH_BYTES = {"sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64}


def _not_genuine() -> DocumentRefused:
    return DocumentRefused("chip_not_genuine")


def verify_active_authentication(
    key: PublicKeyTypes, aa_hash: str | None, challenge: bytes, signature: bytes
) -> None:
    """Check the chip's answer to ``challenge`` with the DG15 ``key``; ``aa_hash`` is DG14's
    hash for ECDSA. Raises ``chip_not_genuine`` unless it verifies."""
    if len(challenge) != CHALLENGE_BYTES:
        raise ValueError("an Active Authentication challenge is 8 bytes")
    if isinstance(key, ec.EllipticCurvePublicKey):
        _verify_ecdsa(key, aa_hash, challenge, signature)
    elif isinstance(key, rsa.RSAPublicKey):
        _verify_iso9796_2(key, challenge, signature)
    else:
        raise _not_genuine()


def _verify_ecdsa(
    key: ec.EllipticCurvePublicKey, aa_hash: str | None, challenge: bytes, signature: bytes
) -> None:
    size = (key.curve.key_size + 7) // 8
    if aa_hash is None or len(signature) != 2 * size:
        raise _not_genuine()
    r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    try:
        key.verify(encode_dss_signature(r, s), challenge, ec.ECDSA(hash_algorithm(aa_hash)))
    except (InvalidSignature, UnsupportedAlgorithm, ValueError):
        raise _not_genuine() from None


def _verify_iso9796_2(key: rsa.RSAPublicKey, challenge: bytes, signature: bytes) -> None:
    numbers = key.public_numbers()
    n, e = numbers.n, numbers.e
    width = (n.bit_length() + 7) // 8
    sigma = int.from_bytes(signature, "big")
    if len(signature) != width or not 0 < sigma < n:
        raise _not_genuine()
    j = pow(sigma, e, n)
    if j % 16 != 12:
        j = n - j
    if j % 16 != 12:
        raise _not_genuine()
    recovered = j.to_bytes(width, "big")
    if recovered[-1] == 0xBC:
        hash_name, trailer = "sha1", 1
    elif recovered[-1] == 0xCC and recovered[-2] in _TRAILER_HASHES:
        hash_name, trailer = _TRAILER_HASHES[recovered[-2]], 2
    else:
        raise _not_genuine()
    size = _HASH_BYTES[hash_name]
    end = width - trailer - size
    if recovered[0] != 0x6A or end <= 1:
        raise _not_genuine()
    m1, recovered_hash = recovered[1:end], recovered[end : width - trailer]
    if not hmac.compare_digest(digest(hash_name, m1 + challenge), recovered_hash):
        raise _not_genuine()


def point(key: ec.EllipticCurvePublicKey) -> bytes:
    """An EC public key as the uncompressed point the protocols send."""
    return key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def ca_keys(ephemeral: ec.EllipticCurvePrivateKey, chip_key_der: bytes) -> SessionKeys:
    """The secure messaging keys segl shares with a chip that holds the private key of DG14's
    ``chip_key_der`` (ECDH with segl's ``ephemeral`` key). ``chip_not_genuine`` for a key
    on another curve; ``chip_data_malformed`` for one that does not read."""
    try:
        chip_key = load_der_public_key(chip_key_der)
    except (ValueError, UnsupportedAlgorithm):
        raise DocumentRefused("chip_data_malformed") from None
    if (
        not isinstance(chip_key, ec.EllipticCurvePublicKey)
        or chip_key.curve.name != ephemeral.curve.name
    ):
        raise _not_genuine()
    return session_keys(ephemeral.exchange(ec.ECDH(), chip_key))


def verify_chip_authentication(
    chip_key_der: bytes, ephemeral: ec.EllipticCurvePrivateKey, response: bytes, dg14: bytes
) -> None:
    """Check the chip's protected answer to segl's :func:`read_command` (relayed by the
    reader) against the keys agreed with DG14's key: DG14's first bytes, under a valid MAC."""
    keys = ca_keys(ephemeral, chip_key_der)
    verify_response(keys, response, dg14[:READ_BYTES])
