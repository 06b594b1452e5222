"""The segl app in Python: the same protocol as the web app, for tests, demos and RP developers.

Its keys live in a state file (one P-256 key per user ID: a household's app holds several,
seed 003) instead of a phone's key store. It speaks to segl over HTTP, or through any transport
with the same ``request`` method (Django's test client in tests)::

    app = AppEmulator("http://localhost:8000", state=Path("var/app.json"))
    activation = app.start_activation("anna-1234", "ABCD-EFGH-JKLM")
    app.finish_activation(activation, user_id="anna-1234", temporary_pin="123456", pin="2580")
    app.unlock("anna-1234", "2580")
    request = app.pending("anna-1234", wait=25)
    shown = app.bind("anna-1234", request["id"], qr="segl.…")
    app.answer("anna-1234", shown, "approve")
"""

from __future__ import annotations

import hashlib
import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

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
from jwcrypto import jwk

from segl.core.approval import Approval, sign_approval, text_sha256
from segl.core.dpop import make_dpop


def read_qr_image(path: Path) -> str:
    """The text of the QR code in a picture (a photo or screenshot), as the app's camera reads
    it. Needs the ``emulator`` extra (zxing-cpp and Pillow)."""
    try:
        import zxingcpp
        from PIL import Image
    except ImportError as exc:
        raise RuntimeError("reading pictures needs: pip install 'segl[emulator]'") from exc
    with Image.open(path) as image:
        found = zxingcpp.read_barcodes(image.convert("RGB"))
    codes = [code.text for code in found if code.text]
    if not codes:
        raise ValueError(f"no QR code found in {path}")
    return str(codes[0])


class AppError(Exception):
    """segl refused a request; ``reason`` is the API's stable reason code."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.error = str(body.get("error", "error"))
        self.reason = str(body.get("reason", self.error))
        self.body = body
        super().__init__(f"{status} {self.error}: {self.reason}")


class Transport(Protocol):
    def request(
        self, method: str, url: str, *, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]: ...


class HttpTransport:
    """Plain HTTP with the standard library."""

    def __init__(self, timeout: float = 35.0) -> None:
        self.timeout = timeout

    def request(
        self, method: str, url: str, *, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        data = json.dumps(body).encode() if body is not None else None
        all_headers = {"Accept": "application/json", **headers}
        if data is not None:
            all_headers["Content-Type"] = "application/json"
        if not url.startswith(("http://", "https://")):
            raise ValueError("segl is reached over http or https")
        req = urllib.request.Request(url, data=data, method=method, headers=all_headers)  # noqa: S310
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")


class DjangoClientTransport:
    """Through Django's test client (``django.test.Client``), for tests in process."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def request(
        self, method: str, url: str, *, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if method == "GET":
            response = self.client.get(path, headers=headers)
        else:
            response = self.client.generic(
                method,
                path,
                json.dumps(body or {}),
                content_type="application/json",
                headers=headers,
            )
        return response.status_code, json.loads(response.content or b"{}")


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


@dataclass
class Registration:
    user_id: str
    key: jwk.JWK
    name: str = "segl app"
    biometrics: SoftwareAuthenticator | None = None


@dataclass
class AppEmulator:
    base_url: str
    state: Path | None = None
    transport: Transport = field(default_factory=HttpTransport)
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    registrations: dict[str, Registration] = field(default_factory=dict)
    _next_key: jwk.JWK | None = None

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._host_prefix = "__Host-" if self.base_url.startswith("https://") else ""
        if self.state is not None and self.state.exists():
            saved = json.loads(self.state.read_text(encoding="utf-8"))
            for entry in saved.get("registrations", []):
                bio = entry.get("biometrics")
                reg = Registration(
                    user_id=entry["user_id"],
                    key=jwk.JWK.from_json(json.dumps(entry["key"])),
                    name=entry.get("name", "segl app"),
                    biometrics=SoftwareAuthenticator.from_dict(bio) if bio else None,
                )
                self.registrations[reg.user_id.casefold()] = reg

    # -- storage ----------------------------------------------------------------------------

    def _save(self) -> None:
        if self.state is None:
            return
        entries = [
            {
                "user_id": r.user_id,
                "name": r.name,
                "key": json.loads(r.key.export_private()),
                "biometrics": r.biometrics.to_dict() if r.biometrics else None,
            }
            for r in self.registrations.values()
        ]
        self.state.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"registrations": entries}, fh, indent=2)
        tmp.replace(self.state)

    def registration(self, user_id: str) -> Registration:
        try:
            return self.registrations[user_id.strip().casefold()]
        except KeyError:
            raise KeyError(f"this app holds no user ID {user_id!r}") from None

    # -- the wire -----------------------------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        *,
        key: jwk.JWK | None = None,
        query: str = "",
        cookie: str = "",
    ) -> dict[str, Any]:
        url = f"{self.base_url}/app/api/{path}"
        headers = {"Cookie": cookie} if cookie else {}
        if key is not None:
            headers["DPoP"] = make_dpop(key, method=method, url=url, now=self.clock())
        status, answer = self.transport.request(
            method, url + (f"?{query}" if query else ""), body=body, headers=headers
        )
        if status >= 400:
            raise AppError(status, answer)
        return answer

    # -- activation ---------------------------------------------------------------------------

    def start_activation(self, user_id: str, activation_code: str) -> str:
        """User ID and activation code; segl sends a temporary PIN by SMS."""
        answer = self.call(
            "POST", "activation/start", {"user_id": user_id, "activation_code": activation_code}
        )
        return str(answer["activation"])

    def finish_activation(
        self,
        activation: str,
        *,
        user_id: str,
        temporary_pin: str,
        pin: str,
        name: str = "segl app",
        notifications: bool = True,
    ) -> dict[str, Any]:
        """The temporary PIN, a new PIN, and a new key made here that never leaves the app."""
        key = self._next_key or jwk.JWK.generate(kty="EC", crv="P-256")
        self._next_key = key  # the same key again if this attempt is refused
        answer = self.call(
            "POST",
            "activation/finish",
            {
                "activation": activation,
                "temporary_pin": temporary_pin,
                "pin": pin,
                "name": name,
                "notifications": notifications,
            },
            key=key,
        )
        self._next_key = None
        reg = Registration(user_id=str(answer["user_id"]), key=key, name=name)
        self.registrations[reg.user_id.casefold()] = reg
        self._save()
        return answer

    # -- use ----------------------------------------------------------------------------------

    def me(self, user_id: str) -> dict[str, Any]:
        return self.call("GET", "me", key=self.registration(user_id).key)

    def unlock(self, user_id: str, pin: str) -> str:
        answer = self.call("POST", "unlock", {"pin": pin}, key=self.registration(user_id).key)
        return str(answer["unlocked_until"])

    def _origin(self) -> str:
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def set_up_biometrics(self, user_id: str) -> None:
        """Register the phone's biometrics (after an unlock by PIN)."""
        reg = self.registration(user_id)
        options = self.call("POST", "biometrics/register", key=reg.key)["options"]
        authenticator = reg.biometrics or SoftwareAuthenticator()
        credential = authenticator.create(options, self._origin())
        self.call("POST", "biometrics/register/finish", {"credential": credential}, key=reg.key)
        reg.biometrics = authenticator
        self._save()

    def unlock_with_biometrics(self, user_id: str) -> str:
        reg = self.registration(user_id)
        if reg.biometrics is None:
            raise RuntimeError(f"biometrics are not set up for {user_id}")
        options = self.call("POST", "unlock/biometrics", key=reg.key)["options"]
        credential = reg.biometrics.get(options, self._origin())
        self._save()
        answer = self.call(
            "POST", "unlock/biometrics/finish", {"credential": credential}, key=reg.key
        )
        return str(answer["unlocked_until"])

    def pending(self, user_id: str, *, wait: float = 0) -> dict[str, Any] | None:
        answer = self.call(
            "GET",
            "requests/pending",
            key=self.registration(user_id).key,
            query=f"wait={wait:g}" if wait else "",
        )
        found: dict[str, Any] | None = answer["request"]
        return found

    def bind(
        self,
        user_id: str,
        request_id: str,
        *,
        qr: str | None = None,
        code: str | None = None,
        device: str | None = None,
        browser_key: str = "",
    ) -> dict[str, Any]:
        """Prove the binding: the QR code's text, the one-time code typed in, or the token of the
        page's "Open the segl app" link, only from the login's browser (``browser_key``)."""
        body: dict[str, Any] = {"code": code}
        if qr is not None:
            body = {"qr": qr}
        elif device is not None:
            body = {"device": device}
        return self.call(
            "POST",
            f"requests/{request_id}/bind",
            body,
            key=self.registration(user_id).key,
            cookie=f"{self._host_prefix}segl_browser={browser_key}" if browser_key else "",
        )

    def sign(self, user_id: str, shown: dict[str, Any], decision: str) -> str:
        approval = Approval(
            request=shown["request"],
            flow=shown["flow"],
            text_sha256=text_sha256(shown["text"]),
            channel=shown["channel"],
            decision=decision,
        )
        return sign_approval(self.registration(user_id).key, approval, now=self.clock())

    def answer(self, user_id: str, shown: dict[str, Any], decision: str = "approve") -> str:
        """Swipe to approve, press Reject, or say "I did not start this" (``fraud``)."""
        signed = self.sign(user_id, shown, decision)
        answer = self.call(
            "POST",
            f"requests/{shown['request']}/answer",
            {"approval": signed},
            key=self.registration(user_id).key,
        )
        return str(answer["status"])

    def retire(self, user_id: str) -> None:
        """Remove the user ID from this app: segl retires it, and the key is forgotten."""
        self.call("POST", "retire", key=self.registration(user_id).key)
        del self.registrations[user_id.strip().casefold()]
        self._save()

    def set_approval_mode(self, user_id: str, mode: str) -> dict[str, Any]:
        return self.call(
            "POST", "settings/approval-mode", {"mode": mode}, key=self.registration(user_id).key
        )

    def confirm_approval_mode(self, user_id: str) -> dict[str, Any]:
        return self.call(
            "POST", "settings/approval-mode/confirm", key=self.registration(user_id).key
        )

    # -- activate on another phone ----------------------------------------------------------

    def offer_copy(self, user_id: str) -> dict[str, Any]:
        """On the old app: show a QR code (its text is ``qr``) for the new app to scan."""
        return self.call("POST", "copy", key=self.registration(user_id).key)

    def copy_status(self, user_id: str, copy_id: str) -> dict[str, Any]:
        return self.call("GET", f"copy/{copy_id}", key=self.registration(user_id).key)

    def confirm_copy(self, user_id: str, copy_id: str, code: str) -> dict[str, Any]:
        """On the old app: type in the short code the new app shows."""
        return self.call(
            "POST", f"copy/{copy_id}/confirm", {"code": code}, key=self.registration(user_id).key
        )

    def scan_copy(self, qr: str) -> str:
        """On the new app: scan the old app's QR code; returns the short code to show."""
        self._next_key = self._next_key or jwk.JWK.generate(kty="EC", crv="P-256")
        answer = self.call("POST", "copy/scan", {"qr": qr}, key=self._next_key)
        return str(answer["code"])

    def finish_copy(self, user_id: str) -> str:
        """On the new app: the user ID; segl sends a temporary PIN by SMS. Then call
        :meth:`finish_activation` with it and a new PIN."""
        if self._next_key is None:
            raise RuntimeError("scan the old app's QR code first")
        answer = self.call("POST", "copy/finish", {"user_id": user_id}, key=self._next_key)
        return str(answer["activation"])
