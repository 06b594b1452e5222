"""The OpenID Connect server segl runs: oauthlib's, with the authorization code grant only.

oauthlib's ready-made ``Server`` also answers the implicit, hybrid, password, client
credentials, refresh token and device grants. segl issues codes with PKCE and nothing else
(DESIGN §4), so this server is built from the same endpoints with the code grant alone: every
other ``grant_type`` is ``unsupported_grant_type``, never a half-configured grant that fails.
There are no refresh tokens: every login and approval is a fresh act of the citizen
(decision 2).

What segl adds, each at oauthlib's own extension point:

- the authorization request's checks (segl.oidc.authorization) are ``pre_auth`` validators;
- a token request that fails burns the code it names (segl.oidc.redemption, decision 19), and
  a NUL character in any parameter is refused before anything is looked up;
- a code verifier must have RFC 7636's form before it is compared;
- userinfo takes the access token from the Authorization header only (segl.oidc.userinfo).
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import unquote_plus

from oauthlib.oauth2.rfc6749 import errors
from oauthlib.oauth2.rfc6749.endpoints import (
    AuthorizationEndpoint,
    IntrospectEndpoint,
    ResourceEndpoint,
    RevocationEndpoint,
    TokenEndpoint,
)
from oauthlib.oauth2.rfc6749.grant_types import (
    AuthorizationCodeGrant as OAuth2AuthorizationCodeGrant,
)
from oauthlib.oauth2.rfc6749.tokens import BearerToken
from oauthlib.openid.connect.core.endpoints.userinfo import UserInfoEndpoint
from oauthlib.openid.connect.core.grant_types import AuthorizationCodeGrant as OpenIDCodeGrant
from oauthlib.openid.connect.core.grant_types.dispatchers import (
    AuthorizationCodeGrantDispatcher,
    AuthorizationTokenGrantDispatcher,
)

from segl import clock
from segl.core import pkce
from segl.core.errors import PkceInvalid
from segl.http import client_address

from . import userinfo
from .authorization import PRE_AUTH, parameters
from .redemption import code_burn

GRANT_TYPE = "authorization_code"


def request_ip(request: Any) -> str:
    """The client's address as the Django request had it (django-oauth-toolkit passes META)."""
    return client_address(request.headers)


def claimed_client(request: Any) -> str:
    """The client a token request names (in the body or the Basic credentials), loaded by the
    validator or not, as the audit log can keep it: no NUL, at most 128 characters."""
    client = getattr(request, "client", None)
    if client is not None:
        return str(client.client_id)
    claimed = request.client_id or ""
    scheme, _, credentials = str(request.headers.get("HTTP_AUTHORIZATION", "")).partition(" ")
    if not claimed and scheme == "Basic":
        try:
            claimed = unquote_plus(base64.b64decode(credentials).decode().split(":", 1)[0])
        except (ValueError, UnicodeDecodeError):
            claimed = ""
    return "" if "\x00" in claimed else claimed[:128]


def _refused(request: Any, error: errors.OAuth2Error, *, code: str | None) -> None:
    code_burn(
        code=code,
        client_id=claimed_client(request),
        reason=getattr(request, "segl_stage", "request"),
        error=error.error or "invalid_request",
        ip=request_ip(request),
        now=clock.now(),
    )


def _json_error(error: errors.OAuth2Error) -> tuple[dict[str, str], str, int]:
    headers = {"Content-Type": "application/json", "Cache-Control": "no-store"}
    return {**headers, **error.headers}, error.json, error.status_code


class CodeGrant(OAuth2AuthorizationCodeGrant):
    """oauthlib's code grant; a token request that fails burns its code."""

    def validate_token_request(self, request: Any) -> None:
        try:
            super().validate_token_request(request)
        except errors.OAuth2Error as error:
            _refused(request, error, code=request.code)
            raise

    def validate_code_challenge(self, challenge: str, challenge_method: str, verifier: str) -> bool:
        try:
            pkce.check_code_verifier(verifier)
        except PkceInvalid:
            # RFC 7636 §4.6: if the verifier does not match, "an error response indicating
            # "invalid_grant" ... MUST be returned"; one outside §4.1's syntax matches nothing.
            return False
        return bool(super().validate_code_challenge(challenge, challenge_method, verifier))


class OpenIDConnectCodeGrant(OpenIDCodeGrant):
    """OpenID Connect's code grant over segl's ``CodeGrant``.

    The library's ``__init__`` builds its own OAuth 2.0 grant to delegate to; this is that
    ``__init__`` with segl's grant in its place.
    """

    def __init__(self, request_validator: Any = None, **kwargs: Any) -> None:
        self.proxy_target = CodeGrant(request_validator=request_validator, **kwargs)
        self.custom_validators.post_auth.append(self.openid_authorization_validator)
        self.register_token_modifier(self.add_id_token)


class SeglServer(
    AuthorizationEndpoint,
    IntrospectEndpoint,
    TokenEndpoint,
    ResourceEndpoint,
    RevocationEndpoint,
    UserInfoEndpoint,
):
    def __init__(
        self,
        request_validator: Any,
        token_expires_in: Any = None,
        token_generator: Any = None,
        refresh_token_generator: Any = None,
        *args: Any,
        **kwargs: Any,
    ) -> None:
        # kwargs carry the settings of grants segl does not run (the device flow's).
        checks = {"pre_auth": list(PRE_AUTH)}
        self.auth_grant = CodeGrant(request_validator, **checks)
        self.openid_connect_auth = OpenIDConnectCodeGrant(request_validator, **checks)
        self.auth_grant.refresh_token = False
        self.openid_connect_auth.refresh_token = False
        self.bearer = BearerToken(
            request_validator, token_generator, token_expires_in, refresh_token_generator
        )
        AuthorizationEndpoint.__init__(
            self,
            default_response_type="code",
            response_types={
                "code": AuthorizationCodeGrantDispatcher(
                    default_grant=self.auth_grant, oidc_grant=self.openid_connect_auth
                )
            },
            default_token_type=self.bearer,
        )
        TokenEndpoint.__init__(
            self,
            default_grant_type=GRANT_TYPE,
            grant_types={
                GRANT_TYPE: AuthorizationTokenGrantDispatcher(
                    request_validator,
                    default_grant=self.auth_grant,
                    oidc_grant=self.openid_connect_auth,
                )
            },
            default_token_type=self.bearer,
        )
        ResourceEndpoint.__init__(self, default_token="Bearer", token_types={"Bearer": self.bearer})
        RevocationEndpoint.__init__(self, request_validator)
        IntrospectEndpoint.__init__(self, request_validator)
        UserInfoEndpoint.__init__(self, request_validator)

    def create_token_response(self, uri: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().create_token_response(uri, *args, **kwargs)
        except errors.OAuth2Error as error:
            # Refused before a grant answered (below): RFC 6749 §5.2 still wants JSON.
            return _json_error(error)

    def create_userinfo_response(self, uri: str, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().create_userinfo_response(uri, *args, **kwargs)
        except errors.OAuth2Error as error:
            return _json_error(error)

    def validate_token_request(self, request: Any) -> None:
        """The token endpoint's checks before a grant is chosen (and a code looked up)."""
        nul = False
        try:
            super().validate_token_request(request)
            for name, value in parameters(request):
                if "\x00" in name or "\x00" in value:
                    nul = True
                    raise errors.InvalidRequestError(
                        description="a parameter contains a NUL character", request=request
                    )
            if request.grant_type != GRANT_TYPE:
                # oauthlib would hand an unknown grant type to the default grant, which also
                # takes "openid"; RFC 6749 §5.2 names this error.
                raise errors.UnsupportedGrantTypeError(request=request)
        except errors.OAuth2Error as error:
            request.segl_stage = "nul" if nul else "request"
            _refused(request, error, code=None if nul else request.code)
            raise

    def validate_userinfo_request(self, request: Any) -> None:
        try:
            userinfo.check_transport(request)
            super().validate_userinfo_request(request)
        except errors.OAuth2Error as error:
            userinfo.userinfo_refuse(
                error=error.error or "invalid_request",
                method=str(request.http_method),
                ip=request_ip(request),
            )
            raise
