"""The phone's fingerprint or face reader, in software (a WebAuthn platform authenticator)."""

from __future__ import annotations

import hashlib
import os
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode
from fido2.webauthn import (
    AttestationObject,
    AttestedCredentialData,
    AuthenticatorData,
    CollectedClientData,
)


class SoftwareAuthenticator:
    """Stands in for the phone's fingerprint or face reader: a WebAuthn platform authenticator
    in software (P-256, "none" attestation) that verifies the user unless told not to."""

    def __init__(
        self,
        key: ec.EllipticCurvePrivateKey | None = None,
        credential_id: bytes | None = None,
        counter: int = 0,
    ) -> None:
        self.key = key or ec.generate_private_key(ec.SECP256R1())
        self.credential_id = credential_id or os.urandom(32)
        self.counter = counter
        self.verified = True

    def _flags(self) -> AuthenticatorData.FLAG:
        flags = AuthenticatorData.FLAG.UP
        return flags | AuthenticatorData.FLAG.UV if self.verified else flags

    def _cose_key(self) -> ES256:
        cose: ES256 = ES256.from_cryptography_key(self.key.public_key())  # type: ignore[no-untyped-call]
        return cose

    def create(self, options: dict[str, Any], origin: str) -> dict[str, Any]:
        """Answer ``navigator.credentials.create`` (options as the server sent them)."""
        rp_id = options["rp"]["id"]
        client = CollectedClientData.create(
            "webauthn.create", websafe_decode(options["challenge"]), origin
        )
        credential = AttestedCredentialData.create(b"\0" * 16, self.credential_id, self._cose_key())
        auth_data = AuthenticatorData.create(
            hashlib.sha256(rp_id.encode()).digest(),
            self._flags() | AuthenticatorData.FLAG.AT,
            self.counter,
            credential,
        )
        attestation = AttestationObject.create("none", auth_data, {})
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": websafe_encode(client),
                "attestationObject": websafe_encode(attestation),
            },
        }

    def get(self, options: dict[str, Any], origin: str) -> dict[str, Any]:
        """Answer ``navigator.credentials.get``."""
        self.counter += 1
        client = CollectedClientData.create(
            "webauthn.get", websafe_decode(options["challenge"]), origin
        )
        auth_data = AuthenticatorData.create(
            hashlib.sha256(options["rpId"].encode()).digest(), self._flags(), self.counter
        )
        signature = self.key.sign(
            bytes(auth_data) + hashlib.sha256(client).digest(), ec.ECDSA(hashes.SHA256())
        )
        return {
            "id": websafe_encode(self.credential_id),
            "rawId": websafe_encode(self.credential_id),
            "type": "public-key",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": websafe_encode(client),
                "authenticatorData": websafe_encode(auth_data),
                "signature": websafe_encode(signature),
            },
        }

    def to_dict(self) -> dict[str, Any]:
        pem = self.key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "key": pem.decode(),
            "credential_id": websafe_encode(self.credential_id),
            "counter": self.counter,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SoftwareAuthenticator:
        key = serialization.load_pem_private_key(data["key"].encode(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return cls(key, websafe_decode(data["credential_id"]), int(data["counter"]))
