"""An emulated travel document: what its page prints and what its chip holds and answers.

A document file (``segl-document/1``, JSON) is made by :mod:`segl.emulators.passport`::

    {"format": "segl-document/1", "kind": "passport", "printed_mrz": "P<DNK...",
     "groups": {"1": "<base64>", "2": ..., "15": ...}, "sod": "<base64>",
     "aa_key": "<PEM or null>", "ca_key": "<PEM or null>", "face_seed": "...", "defect": null}

:class:`EmulatedChip` answers what a reader asks a chip after Basic Access Control: the data
groups and EF.SOD, Active Authentication's signature over a challenge, and, after Chip
Authentication with a reader's ephemeral key, a protected command answered in secure messaging
(:mod:`segl.core.chip_auth`, :mod:`segl.core.secure_messaging`). The web app's
emulated chip does the same in the browser (``static/app/chip.js``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from segl.core import secure_messaging as sm

FORMAT: Final = "segl-document/1"


def tlv(tag: bytes, value: bytes) -> bytes:
    """A BER-TLV element with a definite length (ISO/IEC 7816-4 §5.2)."""
    n = len(value)
    if n < 0x80:
        length = bytes([n])
    else:
        size = (n.bit_length() + 7) // 8
        length = bytes([0x80 | size]) + n.to_bytes(size, "big")
    return tag + length + value


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass(frozen=True)
class DocumentFile:
    kind: str  # "passport" or "id_card"
    printed_mrz: str
    groups: dict[int, bytes]
    sod: bytes
    aa_key: bytes | None  # PEM (PKCS #8) of the Active Authentication key, if the chip has DG15
    ca_key: bytes | None  # PEM of the Chip Authentication key, if the chip has DG14
    face_seed: str  # whose face the holder has (for the emulated face scan)
    defect: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "printed_mrz": self.printed_mrz,
            "groups": {str(n): _b64(g) for n, g in sorted(self.groups.items())},
            "sod": _b64(self.sod),
            "aa_key": self.aa_key.decode("ascii") if self.aa_key else None,
            "ca_key": self.ca_key.decode("ascii") if self.ca_key else None,
            "face_seed": self.face_seed,
            "defect": self.defect,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DocumentFile:
        if data.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} document file")
        return cls(
            kind=data["kind"],
            printed_mrz=data["printed_mrz"],
            groups={int(n): base64.b64decode(g) for n, g in data["groups"].items()},
            sod=base64.b64decode(data["sod"]),
            aa_key=data["aa_key"].encode("ascii") if data.get("aa_key") else None,
            ca_key=data["ca_key"].encode("ascii") if data.get("ca_key") else None,
            face_seed=data["face_seed"],
            defect=data.get("defect"),
        )

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1) + "\n")
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> DocumentFile:
        return cls.from_json(json.loads(path.read_text()))


class EmulatedChip:
    """The chip of a document file, answering a reader."""

    def __init__(self, document: DocumentFile) -> None:
        self.document = document

    def _key(self, pem: bytes) -> Any:
        return serialization.load_pem_private_key(pem, None)

    def active_authenticate(self, challenge: bytes) -> bytes:
        """The signature over the 8-byte ``challenge`` (Doc 9303 Part 11 §6.1)."""
        if self.document.aa_key is None:
            raise ValueError("this chip has no Active Authentication key")
        key = self._key(self.document.aa_key)
        if isinstance(key, ec.EllipticCurvePrivateKey):
            r, s = decode_dss_signature(key.sign(challenge, ec.ECDSA(hashes.SHA256())))
            size = (key.curve.key_size + 7) // 8
            return r.to_bytes(size, "big") + s.to_bytes(size, "big")
        assert isinstance(key, rsa.RSAPrivateKey)
        # ISO/IEC 9796-2 scheme 1, partial recovery: 6A || M1 || SHA-256(M1 || challenge) || 34CC.
        private = key.private_numbers()
        n, d = private.public_numbers.n, private.d
        width = (n.bit_length() + 7) // 8
        m1 = os.urandom(width - 1 - 32 - 2)
        representative = b"\x6a" + m1 + hashlib.sha256(m1 + challenge).digest() + b"\x34\xcc"
        sigma = pow(
            int.from_bytes(representative, "big"), d, n
        )  # an emulator's chip, not a real one
        return min(sigma, n - sigma).to_bytes(width, "big")

    def chip_authenticate(self, ephemeral: bytes, command: bytes) -> bytes:
        """Chip Authentication: agree keys with the reader's ``ephemeral`` public key (an
        uncompressed point), then answer the protected ``command`` in secure messaging."""
        if self.document.ca_key is None:
            raise ValueError("this chip has no Chip Authentication key")
        key = self._key(self.document.ca_key)
        peer = ec.EllipticCurvePublicKey.from_encoded_point(key.curve, ephemeral)
        keys = sm.session_keys(key.exchange(ec.ECDH(), peer))
        try:
            sfi, length = sm.parse_command(keys, command)
        except ValueError:
            return b"\x69\x88"  # ISO/IEC 7816-4: incorrect secure messaging data objects
        if sfi not in self.document.groups:  # a data group's short file identifier is its number
            return b"\x6a\x82"  # file not found
        return sm.protect_response(keys, self.document.groups[sfi][:length])
