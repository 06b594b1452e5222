"""Basic Access Control keys (ICAO Doc 9303 Part 11 §9.7.1 and Appendix D.1): the chip's
3DES keys derived from the document's machine readable zone, which the reader (and the chip
emulator) use to open the secure channel before anything is read from the chip.

``K_seed`` is the first 16 bytes of SHA-1 over the MRZ information (:attr:`segl.core.mrz.Mrz
.bac_information`); each key is the first 16 bytes of SHA-1 over ``K_seed`` and a 32-bit
counter (1 for encryption, 2 for the MAC), with every byte's lowest bit set for odd parity as
DES keys have it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

ENC = 1
MAC = 2


@dataclass(frozen=True)
class BacKeys:
    k_seed: bytes
    k_enc: bytes
    k_mac: bytes

    def __repr__(self) -> str:
        return "BacKeys(...)"


def _odd_parity(key: bytes) -> bytes:
    """Each byte's lowest bit set so that the byte has an odd number of ones (DES parity)."""
    return bytes((b & 0xFE) | ((bin(b >> 1).count("1") + 1) % 2) for b in key)


def derive_key(k_seed: bytes, counter: int) -> bytes:
    """The 16-byte 3DES key for ``counter`` (Part 11 §9.7.1.1), parity adjusted."""
    digest = hashlib.sha1(k_seed + counter.to_bytes(4, "big")).digest()  # noqa: S324 - Part 11
    return _odd_parity(digest[:16])


def bac_keys(mrz_information: str) -> BacKeys:
    """The BAC keys for a document whose MRZ information is ``mrz_information``."""
    k_seed = hashlib.sha1(mrz_information.encode("ascii")).digest()[:16]  # noqa: S324 - Part 11
    return BacKeys(k_seed=k_seed, k_enc=derive_key(k_seed, ENC), k_mac=derive_key(k_seed, MAC))
