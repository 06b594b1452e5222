"""The emulated app: its keys, its state file, and every call of the app API."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jwcrypto import jwk

from segl.core.approval import Approval, sign_approval, text_sha256
from segl.core.dpop import make_dpop

from .biometrics import SoftwareAuthenticator
from .wire import AppError, HttpTransport, Transport


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
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any]:
        url = f"{self.base_url}/app/api/{path}"
        headers = {**(headers or {}), **({"Cookie": cookie} if cookie else {})}
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

    def change_pin(self, user_id: str, old_pin: str, pin: str) -> None:
        """A new PIN for the app, given its current one."""
        self.call(
            "POST",
            "settings/pin",
            {"old_pin": old_pin, "pin": pin},
            key=self.registration(user_id).key,
        )

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
