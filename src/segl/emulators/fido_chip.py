"""An emulated chip: a software FIDO2 authenticator as the factory makes them.

The factory has a CA (a self-signed P-256 root) and, per batch, an attestation certificate
under it with the batch's AAGUID (packed attestation, WebAuthn L2 §8.2.1: C, O,
OU="Authenticator Attestation", CN, basic constraints CA=false, and the AAGUID in extension
1.3.6.1.4.1.45724.1.1.4). Each chip holds the batch's attestation key, its credentials' private
keys and one signature counter, in a chip file (``segl-chip/1``, JSON, like a device file).
:meth:`EmulatedChip.make_credential` and :meth:`EmulatedChip.get_assertion` answer what a
browser asks of it, as the JSON a page sends to the server.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fido2.cose import ES256
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticationResponse,
    AuthenticatorAssertionResponse,
    AuthenticatorAttestationResponse,
    AuthenticatorData,
    CollectedClientData,
    CredentialCreationOptions,
    CredentialRequestOptions,
    RegistrationResponse,
)

FORMAT: Final = "segl-chip/1"
OID_AAGUID: Final = x509.ObjectIdentifier("1.3.6.1.4.1.45724.1.1.4")
FACTORY: Final = "segl factory"
_FLAGS = AuthenticatorData.FLAG


def pem_key(key: ec.EllipticCurvePrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def _load_key(pem: str) -> ec.EllipticCurvePrivateKey:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ValueError("a chip's keys are P-256 keys")
    return key


def _name(cn: str, *, attestation: bool = False) -> x509.Name:
    parts = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "DK"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, FACTORY),
    ]
    if attestation:
        parts.append(
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "Authenticator Attestation")
        )
    return x509.Name([*parts, x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@dataclass(frozen=True)
class FactoryCa:
    """The factory's attestation root: what a vendor publishes for relying parties to trust."""

    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @classmethod
    def create(cls, name: str = "segl factory chip root", now: datetime | None = None) -> FactoryCa:
        now = now or datetime.now(UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        subject = _name(name)
        certificate = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .sign(key, hashes.SHA256())
        )
        return cls(key=key, certificate=certificate)

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def batch(self, aaguid: bytes, now: datetime | None = None) -> Batch:
        """A batch's attestation key and certificate, for the model ``aaguid``."""
        now = now or datetime.now(UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(f"segl chip batch {uuid.UUID(bytes=aaguid)}", attestation=True))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            # The extension's value is the AAGUID as a DER OCTET STRING (tag 4, length 16).
            .add_extension(x509.UnrecognizedExtension(OID_AAGUID, b"\x04\x10" + aaguid), False)
            .sign(self.key, hashes.SHA256())
        )
        return Batch(aaguid=aaguid, key=key, certificate=certificate)


@dataclass(frozen=True)
class Batch:
    aaguid: bytes
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    def chip(self, serial: str, *, pin: bool = True) -> EmulatedChip:
        return EmulatedChip(
            serial=serial,
            aaguid=self.aaguid,
            attestation_key=pem_key(self.key),
            attestation_certificate=self.certificate.public_bytes(serialization.Encoding.DER),
            pin=pin,
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class EmulatedChip:
    """One chip. ``pin``: it has a PIN and verifies it (the UV flag). ``counter``: its one
    signature counter, moved on by every signature."""

    serial: str
    aaguid: bytes
    attestation_key: str = field(repr=False)
    attestation_certificate: bytes = field(repr=False)
    pin: bool = True
    counter: int = 0
    # credential id (base64url) -> {"rp_id": ..., "key": PEM}
    credentials: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    path: Path | None = field(default=None, compare=False, repr=False)

    def _flags(self) -> AuthenticatorData.FLAG:
        return _FLAGS.UP | (_FLAGS.UV if self.pin else _FLAGS(0))

    def make_credential(
        self,
        options: dict[str, Any],
        origin: str,
        *,
        rp_id: str | None = None,
        attestation: str = "packed",
        tamper: bool = False,
    ) -> dict[str, Any]:
        """Press the button for a registration: a new key pair for the relying party, and a
        packed attestation signed with the batch key.

        What a test needs of a faulty or hostile chip: ``rp_id`` overrides the options' one;
        ``attestation`` ``"self"`` signs with the new key and sends no certificate, ``"none"``
        sends no attestation; ``tamper`` flips a bit of the attestation signature."""
        public_key = CredentialCreationOptions.from_dict(options).public_key
        rp = rp_id or public_key.rp.id or ""
        key = ec.generate_private_key(ec.SECP256R1())
        credential_id = os.urandom(32)
        self.counter += 1
        auth_data = AuthenticatorData.create(
            hashlib.sha256(rp.encode()).digest(),
            self._flags() | _FLAGS.AT,
            self.counter,
            AttestedCredentialData.create(
                self.aaguid,
                credential_id,
                ES256.from_cryptography_key(key.public_key()),  # type: ignore[no-untyped-call]
            ),
        )
        client_data = CollectedClientData.create(
            type=CollectedClientData.TYPE.CREATE, challenge=public_key.challenge, origin=origin
        )
        signer = key if attestation == "self" else _load_key(self.attestation_key)
        signature = signer.sign(auth_data + client_data.hash, ec.ECDSA(hashes.SHA256()))
        if tamper:
            signature = signature[:-1] + bytes([signature[-1] ^ 1])
        statement: dict[str, Any] = {"alg": ES256.ALGORITHM, "sig": signature}
        if attestation == "packed":
            statement["x5c"] = [self.attestation_certificate]
        attested = (
            AttestationObject.create("none", auth_data, {})
            if attestation == "none"
            else AttestationObject.create("packed", auth_data, statement)
        )
        self.credentials[_b64(credential_id)] = {"rp_id": rp, "key": pem_key(key)}
        self._save()
        return dict(
            RegistrationResponse(
                raw_id=credential_id,
                response=AuthenticatorAttestationResponse(
                    client_data=client_data, attestation_object=attested
                ),
            )
        )

    def get_assertion(
        self,
        options: dict[str, Any],
        origin: str,
        *,
        rp_id: str | None = None,
        any_credential: bool = False,
        tamper: bool = False,
    ) -> dict[str, Any]:
        """Press the button for a login: sign with the first allowed credential it holds.

        ``rp_id`` overrides the options' one; ``any_credential`` signs with a credential it
        holds even when the options do not allow it; ``tamper`` flips a bit of the signature."""
        public_key = CredentialRequestOptions.from_dict(options).public_key
        allowed = [_b64(d.id) for d in public_key.allow_credentials or []]
        if any_credential:
            allowed += list(self.credentials)
        held = next((c for c in allowed if c in self.credentials), None)
        if held is None:
            raise LookupError("this chip holds none of the allowed credentials")
        rp = rp_id or public_key.rp_id or ""
        self.counter += 1
        auth_data = AuthenticatorData.create(
            hashlib.sha256(rp.encode()).digest(), self._flags(), self.counter
        )
        client_data = CollectedClientData.create(
            type=CollectedClientData.TYPE.GET, challenge=public_key.challenge, origin=origin
        )
        signature = _load_key(self.credentials[held]["key"]).sign(
            auth_data + client_data.hash, ec.ECDSA(hashes.SHA256())
        )
        if tamper:
            signature = signature[:-1] + bytes([signature[-1] ^ 1])
        self._save()
        return dict(
            AuthenticationResponse(
                raw_id=_unb64(held),
                response=AuthenticatorAssertionResponse(
                    client_data=client_data, authenticator_data=auth_data, signature=signature
                ),
            )
        )

    # The chip file ------------------------------------------------------------------------

    def _save(self) -> None:
        if self.path is not None:
            self.dump(self.path)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "serial": self.serial,
            "aaguid": str(uuid.UUID(bytes=self.aaguid)),
            "attestation_key": self.attestation_key,
            "attestation_certificate": _b64(self.attestation_certificate),
            "pin": self.pin,
            "counter": self.counter,
            "credentials": self.credentials,
        }

    @classmethod
    def from_json(cls, data: Any) -> EmulatedChip:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a chip file: the format is not {FORMAT!r}")
        try:
            return cls(
                serial=data["serial"],
                aaguid=uuid.UUID(data["aaguid"]).bytes,
                attestation_key=data["attestation_key"],
                attestation_certificate=_unb64(data["attestation_certificate"]),
                pin=bool(data.get("pin", True)),
                counter=int(data.get("counter", 0)),
                credentials=dict(data.get("credentials", {})),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"the chip file is not readable ({exc})") from None

    def dump(self, path: Path) -> Path:
        temporary = path.with_name(f".{path.name}.new")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(self.to_json(), indent=2) + "\n")
        os.replace(temporary, path)
        self.path = path
        return path

    @classmethod
    def load(cls, path: Path) -> EmulatedChip:
        chip = cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        chip.path = path
        return chip
