"""CMS SignedData (RFC 5652) as travel documents use it: a chip's document security object
(EF.SOD, ICAO Doc 9303 Part 10 §4.6.2) and a country's CSCA master list (Part 12 §9) are each
content signed by one signer whose certificate travels with it.

:func:`open_signed` reads such a structure with asn1crypto (strict: nothing after it), checks
that the content is the expected type, that the signed attributes name that type and carry the
content's digest, and that the signature over those attributes verifies with the signer's
certificate, found among the structure's certificates. It returns the content and that
certificate (as a ``cryptography`` certificate, for the chain to be checked against a trust
list). Anything an attacker could have changed raises :class:`DocumentRefused`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from asn1crypto import algos, cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from .errors import DocumentRefused

# What asn1crypto can raise while reading (it parses lazily, field by field, on access).
PARSE_ERRORS = (ValueError, TypeError, KeyError, IndexError, OverflowError, AttributeError)

HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,
    "sha224": hashes.SHA224,
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


def hash_algorithm(name: str) -> hashes.HashAlgorithm:
    """The hash ``name`` (asn1crypto's names); any other is ``chip_data_malformed``."""
    try:
        return HASHES[name]()
    except KeyError:
        raise DocumentRefused("chip_data_malformed") from None


def digest(name: str, data: bytes) -> bytes:
    hasher = hashes.Hash(hash_algorithm(name))
    hasher.update(data)
    return hasher.finalize()


@dataclass(frozen=True)
class Signed:
    """Content whose signature verified, its signer's certificate, and when it says it was
    signed (the optional signing-time attribute)."""

    content: bytes
    signer: x509.Certificate
    signed_at: datetime | None


def verify(
    key: Any, signature: bytes, data: bytes, algorithm: algos.SignedDigestAlgorithm, hash_name: str
) -> None:
    """Verify ``signature`` over ``data`` with ``key`` as ``algorithm`` says: RSA PKCS #1 v1.5,
    RSASSA-PSS with its parameters, or ECDSA. Raises ``signature_invalid``."""
    try:
        kind = algorithm.signature_algo
        if kind != "rsassa_pss" and algorithm["algorithm"].native not in (
            "rsassa_pkcs1v15",
            "ecdsa",
        ):
            hash_name = algorithm.hash_algo  # the algorithm names its hash (sha256_rsa ...)
        if isinstance(key, rsa.RSAPublicKey) and kind == "rsassa_pss":
            params = algorithm["parameters"]
            mgf_hash = params["mask_gen_algorithm"]["parameters"]["algorithm"].native
            pss = padding.PSS(padding.MGF1(hash_algorithm(mgf_hash)), params["salt_length"].native)
            key.verify(
                signature, data, pss, hash_algorithm(params["hash_algorithm"]["algorithm"].native)
            )
        elif isinstance(key, rsa.RSAPublicKey) and kind == "rsassa_pkcs1v15":
            key.verify(signature, data, padding.PKCS1v15(), hash_algorithm(hash_name))
        elif isinstance(key, ec.EllipticCurvePublicKey) and kind == "ecdsa":
            key.verify(signature, data, ec.ECDSA(hash_algorithm(hash_name)))
        else:
            raise DocumentRefused("signature_invalid")
    except (InvalidSignature, UnsupportedAlgorithm, *PARSE_ERRORS):
        raise DocumentRefused("signature_invalid") from None


def _signer_certificate(
    signed_data: cms.SignedData, signer_info: cms.SignerInfo
) -> asn1_x509.Certificate:
    sid = signer_info["sid"]
    for choice in signed_data["certificates"] or []:
        if choice.name != "certificate":
            continue
        cert = choice.chosen
        if sid.name == "issuer_and_serial_number":
            wanted = sid.chosen
            # Byte for byte: name matching's leniency (case, string types) has no place here.
            if (
                cert.issuer.dump() == wanted["issuer"].dump()
                and cert.serial_number == wanted["serial_number"].native
            ):
                return cert
        elif sid.name == "subject_key_identifier" and cert.key_identifier == sid.chosen.native:
            return cert
    raise DocumentRefused("signer_unknown")


def open_signed(data: bytes, content_type: str) -> Signed:
    """Read and verify SignedData whose content is ``content_type`` (a dotted OID)."""
    try:
        info = cms.ContentInfo.load(data, strict=True)
        if info["content_type"].native != "signed_data":
            raise DocumentRefused("chip_data_malformed")
        signed_data = info["content"]
        encapsulated = signed_data["encap_content_info"]
        if (
            encapsulated["content_type"].dotted != content_type
            or len(signed_data["signer_infos"]) != 1
        ):
            raise DocumentRefused("chip_data_malformed")
        content = bytes(encapsulated["content"].contents)
        signer_info = signed_data["signer_infos"][0]
        hash_name = signer_info["digest_algorithm"]["algorithm"].native
        # Every field is as RFC 5652 §5.1/§5.3 has it for this signer, so nothing unsigned in
        # the structure can differ from what the issuer wrote without being refused.
        digest_algorithms = [*signed_data["digest_algorithms"], signer_info["digest_algorithm"]]
        listed = [a["algorithm"].native for a in signed_data["digest_algorithms"]]
        version = {"issuer_and_serial_number": "v1", "subject_key_identifier": "v3"}[
            signer_info["sid"].name
        ]
        if (
            signed_data["version"].native != "v3"  # eContentType is not id-data
            or listed != [hash_name]
            or signer_info["version"].native != version
            or signer_info["unsigned_attrs"].native is not None
            or any(a["parameters"].native is not None for a in digest_algorithms)  # NULL or none
        ):
            raise DocumentRefused("chip_data_malformed")
        attributes = signer_info["signed_attrs"]
        values = {attr["type"].dotted: attr["values"] for attr in attributes}
        if len(values) != len(attributes) or any(len(v) != 1 for v in values.values()):
            raise DocumentRefused("chip_data_malformed")  # each attribute once, one value each
        named_type = values.get("1.2.840.113549.1.9.3")  # contentType
        message_digest = values.get("1.2.840.113549.1.9.4")  # messageDigest
        if named_type is None or named_type[0].dotted != content_type or message_digest is None:
            raise DocumentRefused("chip_data_malformed")
        if message_digest[0].native != digest(hash_name, content):
            raise DocumentRefused("chip_data_changed")
        signing_time = values.get("1.2.840.113549.1.9.5")
        signed_at = signing_time[0].native.astimezone(UTC) if signing_time is not None else None
        cert = _signer_certificate(signed_data, signer_info)
        if cert["signature_value"].contents[:1] != b"\x00":  # a signature has no unused bits
            raise DocumentRefused("chip_data_malformed")
        signer = x509.load_der_x509_certificate(cert.dump())
        signer_key = signer.public_key()
        # The signature covers the DER of the attributes as a SET (RFC 5652 §5.4), not the
        # [0] IMPLICIT tag they travel with: the same bytes with the SET tag.
        signed_bytes = b"\x31" + attributes.dump()[1:]
        algorithm = signer_info["signature_algorithm"]
        signature = signer_info["signature"].native
    except DocumentRefused:
        raise
    except (*PARSE_ERRORS, UnsupportedAlgorithm, x509.InvalidVersion):
        raise DocumentRefused("chip_data_malformed") from None
    verify(signer_key, signature, signed_bytes, algorithm, hash_name)
    return Signed(content, signer, signed_at)
