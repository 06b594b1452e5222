"""The data groups on a travel document's chip (ICAO Doc 9303 Part 10, the Logical Data
Structure), as far as proofing reads them. Tags and lengths are BER-TLV, read by asn1crypto's
parser (strict: no trailing bytes, no short ones).

DG1 (tag ``61``) holds the MRZ as one string (tag ``5F1F``): 88 characters for a TD3 document,
90 for TD1, 72 for TD2. It must be the MRZ printed on the document, character for character:
the optical zone's check digits cannot catch every change (a letter for a digit whose value
differs by ten), the chip's data, signed in the SOD, can.

DG2 (tag ``75``) holds the holder's face: a biometric information template group (``7F61``)
whose template (``7F60``) carries a biometric data block (``5F2E``), an ISO/IEC 19794-5 facial
record around a JPEG or JPEG 2000 image. Proofing keeps it only to match the live face.

DG14 (tag ``6E``) holds SecurityInfos (Part 11 §9.2): the chip's Chip Authentication key and
how it signs for Active Authentication. DG15 (tag ``6F``) holds the Active Authentication
public key (a SubjectPublicKeyInfo).
"""

from __future__ import annotations

from dataclasses import dataclass

from asn1crypto import core as asn1
from asn1crypto import parser
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes
from cryptography.hazmat.primitives.serialization import load_der_public_key

from .errors import DocumentRefused, MrzInvalid
from .mrz import Mrz, parse

APPLICATION = 1  # the tag class of the LDS's data group templates
DG1_TAG = 1  # 0x61: application class, constructed, tag number 1
MRZ_TAG = 31  # 0x5F1F: application class, primitive, tag number 31
_LINES = {88: 44, 90: 30, 72: 36}  # MRZ length on the chip: line length
DG2_TAG, DG14_TAG, DG15_TAG = 21, 14, 15  # 0x75, 0x6E, 0x6F
_FACE_RECORD = b"FAC\x00"  # ISO/IEC 19794-5 format identifier
# Part 11 §9.2 protocol identifiers
ACTIVE_AUTHENTICATION = "2.23.136.1.1.5"  # id-AA
CA_ECDH_AES_128 = "0.4.0.127.0.7.2.2.3.2.2"  # id-CA-ECDH-AES-CBC-CMAC-128
PK_ECDH = "0.4.0.127.0.7.2.2.1.2"  # id-PK-ECDH
ECDSA_PLAIN = {  # BSI TR-03111 ecdsa-plain-signatures: hash
    "0.4.0.127.0.7.1.1.4.1.1": "sha1",
    "0.4.0.127.0.7.1.1.4.1.2": "sha224",
    "0.4.0.127.0.7.1.1.4.1.3": "sha256",
    "0.4.0.127.0.7.1.1.4.1.4": "sha384",
    "0.4.0.127.0.7.1.1.4.1.5": "sha512",
}


class SecurityInfo(asn1.Sequence):  # type: ignore[misc]
    _fields = [
        ("protocol", asn1.ObjectIdentifier),
        ("required_data", asn1.Any),
        ("optional_data", asn1.Any, {"optional": True}),
    ]


class SecurityInfos(asn1.SetOf):  # type: ignore[misc]
    _child_spec = SecurityInfo


def _element(data: bytes, tag: int, constructed: bool) -> bytes:
    try:
        class_, method, number, _, contents, _ = parser.parse(data, strict=True)
    except ValueError:
        raise DocumentRefused("chip_data_malformed") from None
    if (class_, method, number) != (APPLICATION, int(constructed), tag):
        raise DocumentRefused("chip_data_malformed")
    return bytes(contents)


def dg1_mrz(dg1: bytes) -> Mrz:
    """The MRZ in DG1, read and checked as the printed one is."""
    raw = _element(_element(dg1, DG1_TAG, constructed=True), MRZ_TAG, constructed=False)
    width = _LINES.get(len(raw))
    if width is None or not raw.isascii():
        raise DocumentRefused("chip_data_malformed")
    text = raw.decode("ascii")
    try:
        return parse("\n".join(text[i : i + width] for i in range(0, len(text), width)))
    except MrzInvalid:
        raise DocumentRefused("chip_data_malformed") from None


def dg1_matches(dg1: bytes, printed: Mrz) -> Mrz:
    """DG1's MRZ, refused unless it is the printed one (``mrz_mismatch``)."""
    chip = dg1_mrz(dg1)
    if chip != printed:
        raise DocumentRefused("mrz_mismatch")
    return chip


def _children(data: bytes) -> list[tuple[int, int, int, bytes]]:
    """The TLV elements one after another in ``data``: (class, constructed, tag, contents)."""
    out, offset = [], 0
    try:
        while offset < len(data):
            class_, method, number, header, contents, trailer = parser.parse(data[offset:])
            out.append((class_, method, number, bytes(contents)))
            offset += len(header) + len(contents) + len(trailer)
    except ValueError:
        raise DocumentRefused("chip_data_malformed") from None
    return out


def dg2_face(dg2: bytes) -> bytes:
    """The face image in DG2 (the first template's; JPEG or JPEG 2000 as stored)."""
    group = _element(_element(dg2, DG2_TAG, constructed=True), 0x61, constructed=True)  # 7F61
    templates = [c for c in _children(group) if c[:3] == (APPLICATION, 1, 0x60)]  # 7F60
    if not templates:
        raise DocumentRefused("chip_data_malformed")
    blocks = [
        c[3]
        for c in _children(templates[0][3])
        if c[:3] in ((APPLICATION, 0, 0x2E), (APPLICATION, 1, 0x2E))
    ]
    if len(blocks) != 1:
        raise DocumentRefused("chip_data_malformed")
    record = blocks[0]
    # ISO/IEC 19794-5 §5.4-5.7: a 14-byte general header, a 20-byte facial information block
    # (its number of feature points at offset 4), 8 bytes per feature point, 12 bytes of
    # image information, then the image.
    if (
        len(record) < 46
        or record[:4] != _FACE_RECORD
        or int.from_bytes(record[8:12], "big") != len(record)
    ):
        raise DocumentRefused("chip_data_malformed")
    points = int.from_bytes(record[18:20], "big")
    start = 14 + 20 + 8 * points + 12
    image = record[start:]
    if not (image.startswith(b"\xff\xd8") or image.startswith(b"\x00\x00\x00\x0cjP")):
        raise DocumentRefused("chip_data_malformed")
    return image


def dg15_key(dg15: bytes) -> PublicKeyTypes:
    """The Active Authentication public key in DG15."""
    try:
        return load_der_public_key(_element(dg15, DG15_TAG, constructed=True))
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise DocumentRefused("chip_data_malformed") from None


@dataclass(frozen=True)
class ChipSecurity:
    """What DG14 says: the hash of ECDSA Active Authentication signatures, and the chip's
    Chip Authentication public key (DER SubjectPublicKeyInfo) if it has one."""

    aa_hash: str | None
    ca_key: bytes | None


def dg14_security(dg14: bytes) -> ChipSecurity:
    try:
        infos = SecurityInfos.load(_element(dg14, DG14_TAG, constructed=True), strict=True)
        aa_hash = ca_key = None
        protocols = set()
        for info in infos:
            protocol = info["protocol"].dotted
            protocols.add(protocol)
            if protocol == ACTIVE_AUTHENTICATION:
                algorithm = asn1.ObjectIdentifier.load(info["optional_data"].dump()).dotted
                aa_hash = ECDSA_PLAIN[algorithm]
            elif protocol == PK_ECDH:
                ca_key = info["required_data"].dump()
        if ca_key is not None and CA_ECDH_AES_128 not in protocols:
            ca_key = None  # a key without the protocol that uses it is not offered
    except (ValueError, TypeError, KeyError):
        raise DocumentRefused("chip_data_malformed") from None
    return ChipSecurity(aa_hash, ca_key)
