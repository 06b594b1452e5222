"""A country's document issuer, as the passport factory emulates it (ICAO Doc 9303 Part 12):
its country signing CA (CSCA), the document signers the CSCA issues, CMS signatures, the CSCA's
revocation list and master list.

Kept under ``out_dir/issuer`` (keys and certificates) and ``out_dir/trust`` (what a relying
state trusts: the CSCA certificate and its revocation list). The CSCA is marked as the demo's
(:data:`segl.core.trust.DEMO_ORGANIZATION`): production refuses a trust list that holds it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

from asn1crypto import cms
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

from segl.core.trust import DEMO_ORGANIZATION, MASTER_LIST, CscaMasterList

__all__ = [
    "COUNTRY",
    "Issuer",
    "PrivateKey",
    "Signer",
    "make_master_list",
    "pem_key",
    "signed_data",
]

COUNTRY: Final = "DK"
YEAR = timedelta(days=365)
PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, COUNTRY),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, DEMO_ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _certificate(
    subject: x509.Name,
    key: PrivateKey,
    issuer: tuple[x509.Name, PrivateKey] | None,
    *,
    start: datetime,
    end: datetime,
    ca: bool,
) -> x509.Certificate:
    issuer_name, issuer_key = issuer or (subject, key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=not ca,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=ca,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    return builder.sign(issuer_key, hashes.SHA256())


def pem_key(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _load_key(path: Path) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key


@dataclass(frozen=True)
class Signer:
    key: PrivateKey
    certificate: x509.Certificate


def _write_crl(trust: Path, csca: Signer, revoked: Signer, now: datetime) -> None:
    """The CSCA's revocation list (the revoked signer on it), due again in 90 days."""
    entry = (
        x509.RevokedCertificateBuilder()
        .serial_number(revoked.certificate.serial_number)
        .revocation_date(now - timedelta(days=1))
        .build()
    )
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(csca.certificate.subject)
        .last_update(now - timedelta(days=1))
        .next_update(now + timedelta(days=90))
        .add_revoked_certificate(entry)
        .sign(csca.key, hashes.SHA256())
    )
    (trust / "segl-test-csca.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class Issuer:
    """A country's document issuer: its CSCA and the signers ``good``, ``expired`` (its
    validity over), ``revoked`` (on the CSCA's revocation list) and ``rogue`` (issued by a
    CSCA no one trusts)."""

    csca: Signer
    good: Signer
    expired: Signer
    revoked: Signer
    rogue: Signer

    @classmethod
    def open(cls, out_dir: Path, now: datetime) -> Issuer:
        """The issuer kept under ``out_dir/issuer``, made there (with the trust folder) the
        first time; its revocation list issued again once it is due."""
        folder = out_dir / "issuer"
        if not (folder / "csca.pem").exists():
            cls._make(out_dir, now)
        signers = {}
        for name in ("csca", "good", "expired", "revoked", "rogue"):
            cert = x509.load_pem_x509_certificate((folder / f"{name}.pem").read_bytes())
            signers[name] = Signer(_load_key(folder / f"{name}.key.pem"), cert)
        crl_path = out_dir / "trust" / "segl-test-csca.crl"
        crl = x509.load_der_x509_crl(crl_path.read_bytes())
        if crl.next_update_utc is not None and crl.next_update_utc < now:  # as a CSCA does
            _write_crl(out_dir / "trust", signers["csca"], signers["revoked"], now)
        return cls(**signers)

    @staticmethod
    def _make(out_dir: Path, now: datetime) -> None:
        folder, trust = out_dir / "issuer", out_dir / "trust"
        folder.mkdir(parents=True, exist_ok=True)
        trust.mkdir(parents=True, exist_ok=True)
        made: dict[str, Signer] = {}

        def make(
            name: str, common: str, issuer: str | None, start: datetime, end: datetime
        ) -> None:
            key = ec.generate_private_key(ec.SECP256R1())
            signer = (made[issuer].certificate.subject, made[issuer].key) if issuer else None
            made[name] = Signer(
                key,
                _certificate(_name(common), key, signer, start=start, end=end, ca=issuer is None),
            )

        make("csca", "segl test CSCA", None, now - YEAR, now + 15 * YEAR)
        make(
            "rogue_csca", "segl test CSCA", None, now - YEAR, now + 15 * YEAR
        )  # same name, other key
        make("good", "segl test document signer", "csca", now - timedelta(days=30), now + 11 * YEAR)
        make(
            "expired",
            "segl test document signer (expired)",
            "csca",
            now - 12 * YEAR,
            now - timedelta(days=1),
        )
        make(
            "revoked",
            "segl test document signer (revoked)",
            "csca",
            now - timedelta(days=30),
            now + 11 * YEAR,
        )
        make(
            "rogue",
            "segl test document signer",
            "rogue_csca",
            now - timedelta(days=30),
            now + 11 * YEAR,
        )
        for name, signer in made.items():
            (folder / f"{name}.pem").write_bytes(
                signer.certificate.public_bytes(serialization.Encoding.PEM)
            )
            (folder / f"{name}.key.pem").write_bytes(pem_key(signer.key))
        csca = made["csca"]
        (trust / "segl-test-csca.pem").write_bytes(
            csca.certificate.public_bytes(serialization.Encoding.PEM)
        )
        _write_crl(trust, csca, made["revoked"], now)


_SIGNATURES = {"ecdsa": "sha256_ecdsa", "rsassa_pss": "rsassa_pss", "rsassa_pkcs1v15": "sha256_rsa"}


def _signature(key: PrivateKey, data: bytes, algorithm: str) -> bytes:
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.sign(data, ec.ECDSA(hashes.SHA256()))
    if algorithm == "rsassa_pss":
        return key.sign(data, padding.PSS(padding.MGF1(hashes.SHA256()), 32), hashes.SHA256())
    return key.sign(data, padding.PKCS1v15(), hashes.SHA256())


def signed_data(
    content_type: str, content: bytes, signer: Signer, signed_at: datetime, algorithm: str = "ecdsa"
) -> bytes:
    """CMS SignedData (RFC 5652) of ``content``, signed by ``signer`` with SHA-256."""
    attributes = cms.CMSAttributes(
        [
            {"type": "content_type", "values": [content_type]},
            {"type": "signing_time", "values": [cms.Time({"utc_time": signed_at})]},
            {"type": "message_digest", "values": [hashlib.sha256(content).digest()]},
        ]
    )
    signature_algorithm: dict[str, object] = {"algorithm": _SIGNATURES[algorithm]}
    if algorithm == "rsassa_pss":
        sha256 = {"algorithm": "sha256"}
        signature_algorithm["parameters"] = {
            "hash_algorithm": sha256,
            "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": sha256},
            "salt_length": 32,
        }
    certificate = asn1_x509.Certificate.load(
        signer.certificate.public_bytes(serialization.Encoding.DER)
    )
    data = cms.SignedData(
        {
            "version": "v3",
            "digest_algorithms": [{"algorithm": "sha256"}],
            "encap_content_info": {"content_type": content_type, "content": content},
            "certificates": [certificate],
            "signer_infos": [
                {
                    "version": "v1",
                    "sid": {
                        "issuer_and_serial_number": {
                            "issuer": certificate.issuer,
                            "serial_number": certificate.serial_number,
                        }
                    },
                    "digest_algorithm": {"algorithm": "sha256"},
                    "signed_attrs": attributes,
                    "signature_algorithm": signature_algorithm,
                    "signature": _signature(signer.key, attributes.dump(), algorithm),
                }
            ],
        }
    )
    return bytes(cms.ContentInfo({"content_type": "signed_data", "content": data}).dump())


def make_master_list(issuer: Issuer, *, now: datetime) -> bytes:
    """An ICAO master list (Part 12 §9) of the issuer's CSCA, signed by a master list signer
    the CSCA issues."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = _name("segl test master list signer")
    certificate = _certificate(
        subject,
        key,
        (issuer.csca.certificate.subject, issuer.csca.key),
        start=now - timedelta(days=1),
        end=now + YEAR,
        ca=False,
    )
    csca = asn1_x509.Certificate.load(
        issuer.csca.certificate.public_bytes(serialization.Encoding.DER)
    )
    content = CscaMasterList({"version": 0, "cert_list": [csca]}).dump()
    return signed_data(MASTER_LIST, content, Signer(key, certificate), now)
