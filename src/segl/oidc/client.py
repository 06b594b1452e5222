"""How segl's own relying parties (the portal, the Demo Bank) log in over OpenID Connect.

Authlib does the protocol: discovery, the authorization request with PKCE S256 (RFC 7636),
state and nonce, the code redemption with the client secret, and the ID token's signature and
claims (``iss``, ``aud``, ``exp``, ``iat``, ``nonce``, OpenID Connect Core §3.1.3.7). This module
adds what a segl RP checks on top: the ``iss`` of the response (RFC 9207), the ``acr`` reaching
the level that was asked for, the approval-text hash (decision 7) and a recent ``auth_time``.

One Authlib client is kept per registration for the life of the process, so the discovery
document and the signing keys are fetched once, not on every login; the keys are fetched again
when an ID token names a key the client has not seen (the issuer rotated its key), and the
discovery document again after :data:`METADATA_SECONDS`.

Errors: every way a login fails raises :class:`OidcClientError`; ``error`` carries the OAuth
error code when segl sent one (``access_denied``, ``invalid_grant``, …), else it is empty.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import requests

from segl.core.approval import text_sha256
from segl.core.assurance import Level, requested_level

if TYPE_CHECKING:
    from authlib.integrations.django_client import DjangoOAuth2App

# Discovery is read again after this long; a key rotation needs no wait (unknown key id).
METADATA_SECONDS = 24 * 60 * 60
# How old the login at segl may be when the RP receives it.
MAX_LOGIN_AGE_SECONDS = 600
TIMEOUT_SECONDS = 10


class OidcClientError(Exception):
    """The login did not complete; ``error`` is the OAuth error code when segl sent one."""

    def __init__(self, message: str, error: str = "") -> None:
        super().__init__(message)
        self.error = error


@dataclass(frozen=True)
class Pending:
    """What the RP keeps (in its session) between sending the browser away and getting it back."""

    state: str
    nonce: str
    verifier: str
    approval_text: str
    acr_values: str = ""

    def as_dict(self) -> dict[str, str]:
        return self.__dict__.copy()


_lock = threading.Lock()
_apps: dict[tuple[str, str, str], tuple[float, DjangoOAuth2App]] = {}


def _app(key: tuple[str, str, str], client_secret: str) -> DjangoOAuth2App:
    """The shared Authlib client of one registration; a new one after a secret change."""
    # Imported on the first login, not when the URLs load: it is a second or more of a busy
    # server's first answer otherwise.
    from authlib.integrations.django_client import OAuth

    issuer, client_id, _ = key
    now = time.monotonic()
    with _lock:
        cached = _apps.get(key)
        if cached is not None and now - cached[0] < METADATA_SECONDS:
            return cached[1]
        app = OAuth().register(
            name=client_id,
            client_id=client_id,
            client_secret=client_secret,
            server_metadata_url=issuer + "/.well-known/openid-configuration",
            client_kwargs={"code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS},
        )
        _apps[key] = (now, app)
        return app


def forget() -> None:
    """Drop every cached discovery document and key set (the next login fetches them)."""
    with _lock:
        _apps.clear()


class OidcClient:
    """A handle on the shared client of one registration; cheap to make for each request."""

    def __init__(self, *, issuer: str, client_id: str, client_secret: str, redirect_uri: str):
        self.issuer = issuer
        self.client_id = client_id
        self.redirect_uri = redirect_uri
        self._key = (issuer, client_id, hashlib.sha256(client_secret.encode()).hexdigest())
        self._app = _app(self._key, client_secret)

    def _metadata(self) -> dict[str, Any]:
        try:
            metadata: dict[str, Any] = self._app.load_server_metadata()
        except (requests.RequestException, ValueError) as exc:  # ValueError: not JSON
            raise OidcClientError(f"the discovery document could not be read: {exc}") from None
        if metadata.get("issuer") != self.issuer:
            with _lock:  # read it again next time: the issuer may be mid-move
                _apps.pop(self._key, None)
            raise OidcClientError("the discovery document names another issuer")
        return metadata

    def authorization_url(
        self,
        *,
        approval_text: str = "",
        action: str = "log_on",
        acr_values: str = "",
        scope: str = "openid profile",
    ) -> tuple[str, Pending]:
        self._metadata()
        extra = {"action": action}
        if approval_text:
            extra["approval_text"] = approval_text
        if acr_values:
            extra["acr_values"] = acr_values
        request = self._app.create_authorization_url(self.redirect_uri, scope=scope, **extra)
        pending = Pending(
            state=request["state"],
            nonce=request["nonce"],
            verifier=request["code_verifier"],
            approval_text=approval_text,
            acr_values=acr_values,
        )
        return request["url"], pending

    def finish(self, *, pending: Pending, params: dict[str, str]) -> dict[str, Any]:
        """Check the callback, redeem the code and return the verified ID token claims."""
        from authlib.integrations.base_client import OAuthError
        from joserfc.errors import JoseError

        if not hmac.compare_digest(params.get("state", "").encode(), pending.state.encode()):
            raise OidcClientError("state does not match")
        if params.get("iss") != self.issuer:
            raise OidcClientError("the response names another issuer (RFC 9207)")
        if "error" in params:
            raise OidcClientError(
                params.get("error_description") or params["error"], error=params["error"]
            )
        self._metadata()
        try:
            token = self._app.fetch_access_token(
                redirect_uri=self.redirect_uri,
                code=params.get("code", ""),
                code_verifier=pending.verifier,
            )
            if "id_token" not in token:
                raise OidcClientError("the token response has no ID token")
            claims = dict(
                self._app.parse_id_token(
                    token, nonce=pending.nonce, claims_options=self._claims_options(pending)
                )
            )
        except OAuthError as exc:
            raise OidcClientError(f"the code was refused: {exc}", error=exc.error or "") from None
        except JoseError as exc:
            raise OidcClientError(f"the ID token did not verify: {exc}") from None
        except (requests.RequestException, ValueError) as exc:
            raise OidcClientError(f"the code could not be redeemed: {exc}") from None
        expected = text_sha256(pending.approval_text)
        if claims.get("segl_approval_sha256") != expected:
            raise OidcClientError("the approved text is not the text that was asked for")
        if claims.get("auth_time", 0) < time.time() - MAX_LOGIN_AGE_SECONDS:
            raise OidcClientError("the login is too old")
        return claims

    def _claims_options(self, pending: Pending) -> dict[str, Any]:
        """Authlib checks ``iss`` and, when a level was asked for, that ``acr`` reaches it."""
        options: dict[str, Any] = {"iss": {"essential": True, "value": self.issuer}}
        asked = requested_level(pending.acr_values)
        if asked is not None:

            def reaches(_claims: object, value: object) -> bool:
                level = Level.from_uri(str(value))
                return level is not None and level >= asked

            options["acr"] = {"essential": True, "validate": reaches}
        return options
