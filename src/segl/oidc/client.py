"""A small, strict OpenID Connect client: what an RP developer would write against segl.

Authorization code flow with PKCE S256, state and nonce; the ID token is verified against the
issuer's JWKS (signature, ``iss``, ``aud``, ``exp``, ``nonce``) and the approval-text hash is
checked against the text the RP asked the citizen to approve.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from jwcrypto import jwk, jwt

from segl.core.approval import text_sha256


class OidcClientError(Exception):
    """The login did not complete; ``error`` is the OAuth error code when segl sent one."""

    def __init__(self, message: str, error: str = "") -> None:
        super().__init__(message)
        self.error = error


@dataclass(frozen=True)
class Pending:
    """What the RP keeps between sending the browser away and getting it back."""

    state: str
    nonce: str
    verifier: str
    approval_text: str

    def as_dict(self) -> dict[str, str]:
        return self.__dict__.copy()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _http(
    url: str, *, data: dict[str, str] | None = None, auth: tuple[str, str] | None = None
) -> Any:
    body = urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body)  # noqa: S310 (http(s) URLs only)
    if auth:
        basic = base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode()
        request.add_header("Authorization", f"Basic {basic}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.loads(response.read())
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode(errors="replace")[:300]
        raise OidcClientError(f"{url} answered {exc.code}: {detail}") from None
    except (urllib.error.URLError, TimeoutError) as exc:
        raise OidcClientError(f"{url} could not be reached: {exc}") from None


class OidcClient:
    def __init__(self, *, issuer: str, client_id: str, client_secret: str, redirect_uri: str):
        self.issuer = issuer
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self._metadata: dict[str, Any] | None = None

    @property
    def metadata(self) -> dict[str, Any]:
        if self._metadata is None:
            self._metadata = _http(self.issuer + "/.well-known/openid-configuration")
            if self._metadata.get("issuer") != self.issuer:
                raise OidcClientError("the discovery document names another issuer")
        return self._metadata

    def authorization_url(
        self,
        *,
        approval_text: str = "",
        action: str = "log_on",
        acr_values: str = "",
        scope: str = "openid profile",
    ) -> tuple[str, Pending]:
        pending = Pending(
            state=secrets.token_urlsafe(16),
            nonce=secrets.token_urlsafe(16),
            verifier=secrets.token_urlsafe(48),
            approval_text=approval_text,
        )
        challenge = _b64(hashlib.sha256(pending.verifier.encode()).digest())
        params = {
            "response_type": "code",
            "client_id": self.client_id,
            "redirect_uri": self.redirect_uri,
            "scope": scope,
            "state": pending.state,
            "nonce": pending.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "action": action,
        }
        if approval_text:
            params["approval_text"] = approval_text
        if acr_values:
            params["acr_values"] = acr_values
        return self.metadata["authorization_endpoint"] + "?" + urlencode(params), pending

    def finish(self, *, pending: Pending, params: dict[str, str]) -> dict[str, Any]:
        """Check the callback, redeem the code and return the verified ID token claims."""
        if not secrets.compare_digest(params.get("state", ""), pending.state):
            raise OidcClientError("state does not match")
        if params.get("iss") != self.issuer:
            raise OidcClientError("the response names another issuer (RFC 9207)")
        if "error" in params:
            raise OidcClientError(
                params.get("error_description") or params["error"], error=params["error"]
            )
        tokens = _http(
            self.metadata["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": params.get("code", ""),
                "redirect_uri": self.redirect_uri,
                "code_verifier": pending.verifier,
            },
            auth=(self.client_id, self.client_secret),
        )
        keys = jwk.JWKSet.from_json(json.dumps(_http(self.metadata["jwks_uri"])))
        try:
            token = jwt.JWT(
                jwt=tokens["id_token"],
                key=keys,
                algs=["RS256", "ES256"],
                check_claims={"iss": self.issuer, "aud": self.client_id, "exp": None},
            )
        except Exception as exc:  # jwcrypto raises several types for a bad token
            raise OidcClientError(f"the ID token did not verify: {exc}") from None
        claims: dict[str, Any] = json.loads(token.claims)
        if not secrets.compare_digest(claims.get("nonce", ""), pending.nonce):
            raise OidcClientError("nonce does not match")
        expected = text_sha256(pending.approval_text)
        if claims.get("segl_approval_sha256") != expected:
            raise OidcClientError("the approved text is not the text that was asked for")
        if claims.get("auth_time", 0) < time.time() - 600:
            raise OidcClientError("the login is too old")
        return claims
