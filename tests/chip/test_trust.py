"""The models segl accepts: the allow-list's file, and an MDS3 blob verified offline."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from segl.chip.errors import ChipRefused
from segl.chip.trust import ChipTrust
from segl.emulators.fido_chip import FactoryCa
from tests.chip.conftest import AAGUID, OTHER_AAGUID, register, stock
from tests.conftest import make_person


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _rsa_cert(name: str, key, issuer_name: str, issuer_key, *, ca: bool) -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer_name)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def mds_folder(
    folder: Path,
    factory: FactoryCa,
    aaguid: uuid.UUID,
    status: str,
    *,
    key_protection: str = "hardware",
    attachment: str = "external",
) -> Path:
    """A blob as the FIDO Alliance publishes one (a JWT, RS256, signed under its root),
    listing one model under the factory's root."""
    root_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    root = _rsa_cert("MDS root", root_key, "MDS root", root_key, ca=True)
    signer_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = _rsa_cert("MDS signer", signer_key, "MDS root", root_key, ca=False)
    der = factory.certificate.public_bytes(serialization.Encoding.DER)
    payload = {
        "legalHeader": "test",
        "no": 1,
        "nextUpdate": "2030-01-01",
        "entries": [
            {
                "aaguid": str(aaguid),
                "statusReports": [{"status": status}],
                "timeOfLastStatusChange": "2026-01-01",
                "metadataStatement": {
                    "description": "factory chip (MDS)",
                    "aaguid": str(aaguid),
                    "authenticatorVersion": 1,
                    "schema": 3,
                    "upv": [{"major": 1, "minor": 0}],
                    "attestationTypes": ["basic_full"],
                    "userVerificationDetails": [[{"userVerificationMethod": "presence_internal"}]],
                    "keyProtection": [key_protection],
                    "matcherProtection": ["on_chip"],
                    "attachmentHint": [attachment],
                    "tcDisplay": [],
                    "attestationRootCertificates": [base64.b64encode(der).decode()],
                },
            }
        ],
    }
    header = {
        "alg": "RS256",
        "typ": "JWT",
        "x5c": [base64.b64encode(signer.public_bytes(serialization.Encoding.DER)).decode()],
    }
    message = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(payload).encode())}"
    signature = signer_key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "blob.jwt").write_text(f"{message}.{_b64url(signature)}")
    (folder / "mds-root.pem").write_bytes(root.public_bytes(serialization.Encoding.PEM))
    (folder / "models.json").write_text(
        json.dumps({"models": [], "mds": {"blob": "blob.jwt", "root": "mds-root.pem"}})
    )
    return folder


@pytest.mark.django_db
def test_a_model_in_the_mds3_blob_is_accepted_and_others_refused(config, tmp_path, factory, clock):
    config(chip_models=mds_folder(tmp_path / "m", factory, OTHER_AAGUID, "FIDO_CERTIFIED"))
    person = make_person(f"chip-{uuid.uuid4().hex[:8]}")
    auth = register(person.identity, stock(factory.batch(OTHER_AAGUID.bytes)), clock)
    assert auth.status == "active"
    with pytest.raises(ChipRefused, match=r"^model_not_accepted$"):
        register(person.identity, stock(factory.batch(AAGUID.bytes)), clock)
    with pytest.raises(ChipRefused, match=r"^attestation_invalid$"):
        impostor = FactoryCa.create()
        register(person.identity, stock(impostor.batch(OTHER_AAGUID.bytes)), clock)


@pytest.mark.django_db
def test_a_model_the_blob_says_is_revoked_is_refused(config, tmp_path, factory, clock):
    config(chip_models=mds_folder(tmp_path / "m", factory, OTHER_AAGUID, "REVOKED"))
    person = make_person(f"chip-{uuid.uuid4().hex[:8]}")
    with pytest.raises(ChipRefused, match=r"^model_not_accepted$"):
        register(person.identity, stock(factory.batch(OTHER_AAGUID.bytes)), clock)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "unlike",
    [
        {"status": "NOT_FIDO_CERTIFIED"},
        {"status": "FIDO_CERTIFIED_L1", "key_protection": "software"},
        {"status": "FIDO_CERTIFIED_L2", "attachment": "internal"},  # a phone's or laptop's own
    ],
    ids=["not-certified", "software-key", "platform"],
)
def test_a_model_in_the_blob_that_is_no_chip_is_refused(config, tmp_path, factory, clock, unlike):
    status = unlike.pop("status")
    config(chip_models=mds_folder(tmp_path / "m", factory, OTHER_AAGUID, status, **unlike))
    person = make_person(f"chip-{uuid.uuid4().hex[:8]}")
    with pytest.raises(ChipRefused, match=r"^model_not_accepted$"):
        register(person.identity, stock(factory.batch(OTHER_AAGUID.bytes)), clock)


def test_a_blob_not_signed_under_its_root_does_not_load(tmp_path, factory):
    folder = mds_folder(tmp_path / "m", factory, OTHER_AAGUID, "FIDO_CERTIFIED")
    other = mds_folder(tmp_path / "other", factory, OTHER_AAGUID, "FIDO_CERTIFIED")
    (folder / "mds-root.pem").write_bytes((other / "mds-root.pem").read_bytes())
    with pytest.raises(ValueError, match="MDS3 blob does not verify"):
        ChipTrust.from_folder(folder)


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        '{"models": {}}',
        '{"models": [{"aaguid": "zz", "name": "x", "roots": ["r.pem"]}]}',
        json.dumps({"models": [{"aaguid": str(AAGUID), "name": "x", "roots": []}]}),
        json.dumps({"models": [{"aaguid": str(AAGUID), "name": "x", "roots": ["../r.pem"]}]}),
    ],
)
def test_a_models_file_that_is_wrong_does_not_load(tmp_path, content):
    (tmp_path / "models.json").write_text(content)
    with pytest.raises(ValueError):
        ChipTrust.from_folder(tmp_path)
