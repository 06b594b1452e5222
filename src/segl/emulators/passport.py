"""The passport factory: emulated passports and ID cards with the cryptography of real ones.

``segl passport make`` works like a country's document issuer (ICAO Doc 9303 Part 12): a
country signing CA (CSCA) and the document signers (DS) it issues (:mod:`.issuer`), and
documents whose chips hold DG1 (the MRZ), DG2 (the face), DG14 and DG15 (the chip's keys) and
EF.SOD (their hashes, signed by a DS). A document file holds what the printed page and the
chip hold, the chip's private keys included (no real chip lets them out; the emulator needs
them to answer challenges). Under ``out_dir``::

    issuer/          the CSCA's and the document signers' keys and certificates
    trust/           what a relying state trusts: the CSCA certificate and its revocation list
    passports/<document number>.json

The trust folder is what ``SEGL_PROOFING_TRUST`` points at; its CSCA is marked as the demo's
(:data:`segl.core.trust.DEMO_ORGANIZATION`) and production refuses it.

Broken documents (``defect``) are each refused by proofing for their own reason; see
:data:`DEFECTS`.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Final, Literal

from asn1crypto import core as asn1
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from segl.core import lds
from segl.core.mrz import Mrz, write
from segl.core.sod import LDS_SECURITY_OBJECT, LdsSecurityObject

from . import faces
from .chip import DocumentFile, tlv
from .issuer import YEAR, Issuer, PrivateKey, Signer, pem_key, signed_data

__all__ = ["DEFECTS", "Defect", "Holder", "make_document", "sod"]

Defect = Literal[
    "changed_dg1",
    "bad_signature",
    "untrusted_csca",
    "expired",
    "signer_expired",
    "mrz_mismatch",
    "cloned",
    "revoked_signer",
]
DEFECTS: Final[dict[Defect, str]] = {  # defect: the reason proofing refuses it
    "changed_dg1": "chip_data_changed",
    "bad_signature": "signature_invalid",
    "untrusted_csca": "csca_untrusted",
    "expired": "document_expired",
    "signer_expired": "signer_expired",
    "mrz_mismatch": "mrz_mismatch",
    "cloned": "chip_not_genuine",
    "revoked_signer": "signer_revoked",
}
STATE: Final = "DNK"  # the issuing state of the factory's documents (its CSCA is "DK")


@dataclass(frozen=True)
class Holder:
    """Who the document is for, and the document's number and dates."""

    surname: str
    given_names: str
    birth_date: date
    sex: str  # "F", "M" or "X"
    document_number: str
    issued: date
    kind: Literal["passport", "id_card"] = "passport"
    face_seed: str = ""  # whose face; the holder's name by default

    @property
    def seed(self) -> str:
        return self.face_seed or f"{self.given_names} {self.surname} {self.birth_date}"


def _mrz(holder: Holder, expiry: date) -> Mrz:
    return Mrz(
        format="TD3" if holder.kind == "passport" else "TD1",
        document_code="P" if holder.kind == "passport" else "ID",
        issuing_state=STATE,
        document_number=holder.document_number,
        birth_date=holder.birth_date.strftime("%y%m%d"),
        sex=holder.sex,
        expiry_date=expiry.strftime("%y%m%d"),
        nationality=STATE,
        optional_data="",
        surname=holder.surname.upper(),
        given_names=holder.given_names.upper(),
    )


def dg1(mrz: Mrz) -> bytes:
    return tlv(b"\x61", tlv(b"\x5f\x1f", write(mrz).replace("\n", "").encode("ascii")))


def dg2(image: bytes, width: int = faces.WIDTH, height: int = faces.HEIGHT) -> bytes:
    """DG2 around a JPEG face (an ISO/IEC 19794-5 facial record; :func:`segl.core.lds.dg2_face`)."""
    image_info = (
        bytes([1, 0])
        + width.to_bytes(2, "big")
        + height.to_bytes(2, "big")
        + bytes([1, 2, 0, 0, 0, 0])
    )
    face_block = (20 + 12 + len(image)).to_bytes(4, "big") + bytes(16) + image_info + image
    record = (
        b"FAC\x00010\x00"
        + (14 + len(face_block)).to_bytes(4, "big")
        + (1).to_bytes(2, "big")
        + face_block
    )
    header = tlv(b"\xa1", tlv(b"\x87", b"\x01\x01") + tlv(b"\x88", b"\x00\x08"))
    template = tlv(b"\x7f\x60", header + tlv(b"\x5f\x2e", record))
    return tlv(b"\x75", tlv(b"\x7f\x61", tlv(b"\x02", b"\x01") + template))


def _spki(key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def dg14(ca_key: ec.EllipticCurvePublicKey | None, aa_hash: str | None) -> bytes:
    infos = []
    if ca_key is not None:
        infos.append({"protocol": lds.PK_ECDH, "required_data": asn1.Any.load(_spki(ca_key))})
        infos.append({"protocol": lds.CA_ECDH_AES_128, "required_data": asn1.Integer(1)})
    if aa_hash is not None:
        algorithm = {v: k for k, v in lds.ECDSA_PLAIN.items()}[aa_hash]
        infos.append(
            {
                "protocol": lds.ACTIVE_AUTHENTICATION,
                "required_data": asn1.Integer(1),
                "optional_data": asn1.ObjectIdentifier(algorithm),
            }
        )
    return tlv(b"\x6e", lds.SecurityInfos(infos).dump())


def dg15(aa_key: ec.EllipticCurvePublicKey | rsa.RSAPublicKey) -> bytes:
    return tlv(b"\x6f", _spki(aa_key))


def sod(
    groups: dict[int, bytes], signer: Signer, signed_at: datetime, algorithm: str = "ecdsa"
) -> bytes:
    """EF.SOD over ``groups``: the LDS security object of their SHA-256 hashes, signed."""
    lso = LdsSecurityObject(
        {
            "version": 0,
            "hash_algorithm": {"algorithm": "sha256"},
            "data_group_hash_values": [
                {"data_group_number": n, "data_group_hash_value": hashlib.sha256(g).digest()}
                for n, g in sorted(groups.items())
            ],
        }
    ).dump()
    return tlv(b"\x77", signed_data(LDS_SECURITY_OBJECT, lso, signer, signed_at, algorithm))


Chip = Literal["rsa_aa", "ecdsa_aa", "ca"]


def _chip_keys(chip: Chip) -> tuple[PrivateKey | None, ec.EllipticCurvePrivateKey | None]:
    """A new chip's Active Authentication key and Chip Authentication key, as ``chip`` has."""
    if chip == "rsa_aa":
        return rsa.generate_private_key(65537, 2048), None
    if chip == "ecdsa_aa":
        return ec.generate_private_key(ec.SECP256R1()), None
    return None, ec.generate_private_key(ec.SECP256R1())


def make_document(
    issuer: Issuer,
    holder: Holder,
    *,
    now: datetime,
    defect: Defect | None = None,
    chip: Chip | None = None,
) -> DocumentFile:
    """A document for ``holder``, issued ``holder.issued`` and valid ten years, broken as
    ``defect`` says. Its chip (``chip``): a passport's proves itself by RSA Active
    Authentication (DG15), an ID card's by Chip Authentication (DG14); ``ecdsa_aa`` is ECDSA
    Active Authentication (DG15, and DG14 naming its hash)."""
    expiry = holder.issued.replace(year=holder.issued.year + 10) - timedelta(days=1)
    if defect == "expired":
        expiry = now.date() - timedelta(days=1)
    mrz = _mrz(holder, expiry)
    chip = chip or ("rsa_aa" if holder.kind == "passport" else "ca")
    aa_key, ca_key = _chip_keys(chip)
    groups: dict[int, bytes] = {}
    if aa_key is not None:
        groups[15] = dg15(aa_key.public_key())
    if chip == "ecdsa_aa" or ca_key is not None:
        groups[14] = dg14(
            ca_key.public_key() if ca_key else None, "sha256" if chip == "ecdsa_aa" else None
        )
    groups |= {1: dg1(mrz), 2: dg2(faces.portrait(holder.seed))}
    signer = {
        "signer_expired": issuer.expired,
        "revoked_signer": issuer.revoked,
        "untrusted_csca": issuer.rogue,
    }
    signed_at = now - timedelta(days=2) if defect != "signer_expired" else now - 2 * YEAR
    document_sod = sod(groups, signer.get(defect or "", issuer.good), signed_at)
    if defect == "bad_signature":  # the signature's last byte changed: its hashes still hold
        document_sod = document_sod[:-1] + bytes([document_sod[-1] ^ 0x01])
    if defect == "changed_dg1":  # the chip's name changed after signing
        groups[1] = dg1(replace(mrz, given_names=mrz.given_names + " X"))
    printed = mrz
    if defect == "mrz_mismatch":  # a printed page that is not the chip's: another number
        printed = replace(
            mrz,
            document_number=holder.document_number[:-1]
            + str((int(holder.document_number[-1]) + 1) % 10),
        )
    if defect == "cloned":  # the chip's data copied onto a chip with keys of its own
        aa_key, ca_key = _chip_keys(chip)
    return DocumentFile(
        kind=holder.kind,
        printed_mrz=write(printed),
        groups=groups,
        sod=document_sod,
        aa_key=pem_key(aa_key) if aa_key is not None else None,
        ca_key=pem_key(ca_key) if ca_key is not None else None,
        face_seed=holder.seed,
        defect=defect,
    )
