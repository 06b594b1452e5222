"""segl's OAuth 2.0 / OpenID Connect request validator on django-oauth-toolkit.

What segl adds to the library's validator: the ID token carries how the citizen authenticated
(``acr``/``loa``, ``ial``, ``aal``, ``amr``, ``auth_time``) and a SHA-256 of the text they
approved; an authorization code can only be issued at the end of a segl login flow; a refused
token request burns its code, and a second redemption revokes what the first one issued
(segl.oidc.redemption); redirect_uri is required; and there is no silent login.
"""

from __future__ import annotations

import json
from typing import Any

from oauth2_provider.models import AccessToken, Application, Grant, IDToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from segl import clock
from segl.core.assurance import Level
from segl.http import client_address
from segl.prepared import Prepared

from .models import AuthContext
from .redemption import code_hash, code_redeem

OPENID_CLAIMS = ("acr", "loa", "ial", "aal", "amr", "segl_action", "segl_approval_sha256")
PROFILE_CLAIMS = ("name", "given_name", "family_name", "birthdate")


# Read on every authorization and token request: compiled once (segl.prepared).
_APPLICATION = Prepared(
    lambda client_id: Application.objects.filter(client_id=client_id), client_id=str
)
_GRANT = Prepared(
    lambda code: Grant.objects.select_related("user", "user__person").filter(code=code), code=str
)
_LOCKED_CONTEXT = Prepared(
    lambda code_hash: AuthContext.objects.select_for_update().filter(code_hash=code_hash),
    code_hash=str,
)


class SeglValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        **{claim: "openid" for claim in OPENID_CLAIMS},
        **{claim: "profile" for claim in PROFILE_CLAIMS},
    }

    def get_default_redirect_uri(
        self, client_id: str, request: Any, *args: Any, **kwargs: Any
    ) -> None:
        # OpenID Connect Core §3.1.2.1: redirect_uri is REQUIRED, so no registered URI stands in
        # for a missing one: oauthlib then refuses the authorization request (an error page, never
        # a redirect) and the token request alike.
        return None

    def _load_application(self, client_id: str, request: Any) -> Any:
        """The client by its id, as the library loads it, from a query compiled once (every
        authorize, finish and token request asks). segl runs no Client ID Metadata Documents
        (``CIMD_ENABLED`` stays off), so an id not stored is no client."""
        cached = request.client
        usable = isinstance(cached, Application) and cached.client_id == client_id
        if usable and cached.is_usable(request):
            return cached
        # No client's id has a NUL, and PostgreSQL would refuse to look one up.
        found = None
        if isinstance(client_id, str) and client_id and "\x00" not in client_id:
            found = _APPLICATION.first(client_id=client_id)
        request.client = found if found is not None and found.is_usable(request) else None
        return request.client

    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        self._stage(request, "client")
        return bool(super().authenticate_client(request, *args, **kwargs))

    def authenticate_client_id(
        self, client_id: str, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        self._stage(request, "client")
        return bool(super().authenticate_client_id(client_id, request, *args, **kwargs))

    def validate_redirect_uri(
        self, client_id: str, redirect_uri: str, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        # OAuth 2.1 §4.1.1 / RFC 9700 §2.1: "simple string comparison" with a registered URI.
        return redirect_uri in request.client.redirect_uris.split()

    def _grant(self, code: str, request: Any) -> Grant:
        """The grant for ``code``, loaded once per token request (the library asks five times).

        Before the client has authenticated (the OIDC dispatcher asks for the scopes first) the
        grant is found by code alone; afterwards it must belong to the authenticated client.
        """
        cached: Grant | None = getattr(request, "_segl_grant", None)
        if cached is None or cached.code != code:
            # The person too: the ID token's claims are theirs (one query fewer).
            cached = _GRANT.get(code=code)
            request._segl_grant = cached
        client = getattr(request, "client", None)
        if client is not None and cached.application_id != client.pk:
            raise Grant.DoesNotExist
        return cached

    def confirm_redirect_uri(
        self, client_id: str, code: str, redirect_uri: str, client: Any, *args: Any, **kwargs: Any
    ) -> bool:
        request = kwargs.get("request") or (args[0] if args else None)
        if request is None:
            return bool(
                super().confirm_redirect_uri(client_id, code, redirect_uri, client, *args, **kwargs)
            )
        self._stage(request, "redirect_uri")
        return bool(self._grant(code, request).redirect_uri_allowed(redirect_uri))

    def get_code_challenge(self, code: str, request: Any) -> str | None:
        # oauthlib asks for the challenge just before it checks the verifier.
        self._stage(request, "code_verifier")
        return self._grant(code, request).code_challenge or None

    def get_code_challenge_method(self, code: str, request: Any) -> str | None:
        return self._grant(code, request).code_challenge_method or None

    def get_authorization_code_scopes(
        self, client_id: str, code: str, redirect_uri: str, request: Any
    ) -> list[str]:
        try:
            return list(self._grant(code, request).scope.split(" "))
        except Grant.DoesNotExist:
            return []

    def get_authorization_code_nonce(
        self, client_id: str, code: str, redirect_uri: str, request: Any
    ) -> str | None:
        try:
            return self._grant(code, request).nonce or None
        except Grant.DoesNotExist:
            return None

    def _create_authorization_code(
        self, request: Any, code: dict[str, str], expires: Any = None
    ) -> Any:
        login = getattr(request, "segl_login", None)
        if login is None:
            # Codes are issued only at the end of a segl login flow.
            raise errors.AccessDeniedError(request=request)
        grant = super()._create_authorization_code(request, code, expires)
        AuthContext.objects.create(
            code_hash=code_hash(code["code"]),
            grant=grant,
            application=request.client,
            identity=request.user,
            **login,
        )
        return grant

    def validate_code(
        self, client_id: str, code: str, client: Any, request: Any, *args: Any, **kwargs: Any
    ) -> bool:
        # The context row is locked until the transaction ends (segl.oidc.views.TokenView), so
        # of two requests with one code, one redeems and the other sees it redeemed or burnt.
        context = _LOCKED_CONTEXT.first(code_hash=code_hash(code))
        if context is None:
            return self._stage(request, "code_unknown")
        if context.application_id != client.pk:
            return self._stage(request, "code_other_client")
        if context.redeemed_at is not None:
            return self._stage(request, "code_used")
        if context.grant_id is None:
            return self._stage(request, "code_burnt")
        try:
            grant = self._grant(code, request)
        except Grant.DoesNotExist:
            return self._stage(request, "code_burnt")
        if grant.is_expired():
            return self._stage(request, "code_expired")
        request.scopes = grant.scope.split(" ")
        request.user = grant.user
        if grant.nonce:
            request.nonce = grant.nonce
        if grant.claims:
            request.claims = json.loads(grant.claims)
        request.segl_context = context
        return True

    @staticmethod
    def _stage(request: Any, stage: str) -> bool:
        """Name the step a token request is at, for the audit event if it is refused there."""
        request.segl_stage = stage
        return False

    def _create_access_token(
        self, expires: Any, request: Any, token: Any, source_refresh_token: Any = None
    ) -> Any:
        id_token = getattr(request, "id_token", None)
        if isinstance(id_token, IDToken):
            # The library would decode the ID token it just signed and look it up again (two
            # queries); it left the row on the request when it saved it (decision 38).
            access_token = AccessToken(
                user=request.user,
                scope=token["scope"],
                expires=expires,
                id_token=id_token,
                application=request.client,
                source_refresh_token=source_refresh_token,
                resource=getattr(request, "resource", []),
            )
            self._set_token_value(access_token, token["access_token"])
            access_token.save()
        else:
            access_token = super()._create_access_token(
                expires, request, token, source_refresh_token
            )
        context: AuthContext | None = getattr(request, "segl_context", None)
        if context is not None:
            code_redeem(
                context=context,
                access_token=access_token,
                client_id=request.client.client_id,
                user_id=request.user.user_id,
                ip=client_address(request.headers),
                now=clock.now(),
            )
        return access_token

    def invalidate_authorization_code(
        self, client_id: str, code: str, request: Any, *args: Any, **kwargs: Any
    ) -> None:
        # The grant this request already loaded (the library's filter would read it again
        # before deleting it).
        try:
            grant = self._grant(code, request)
        except Grant.DoesNotExist:
            raise errors.InvalidGrantError(request=request) from None
        grant.delete()

    def get_additional_claims(self, request: Any) -> dict[str, Any]:
        identity = request.user
        person = identity.person
        claims: dict[str, Any] = {
            "name": person.name,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "birthdate": person.birth_date.isoformat(),
        }
        context: AuthContext | None = getattr(request, "segl_context", None)
        if context is not None:
            claims.update(
                acr=context.acr,
                loa=context.acr,
                ial=Level.from_key(context.ial).uri,
                aal=Level.from_key(context.aal).uri,
                amr=list(context.amr),
                segl_action=context.action,
                segl_approval_sha256=context.approval_text_sha256,
            )
        return claims

    def get_discovery_claims(self, request: Any) -> list[str]:
        return ["sub", "auth_time", *OPENID_CLAIMS, *PROFILE_CLAIMS]

    def get_id_token_dictionary(self, token: Any, token_handler: Any, request: Any) -> Any:
        claims, expiration = super().get_id_token_dictionary(token, token_handler, request)
        context: AuthContext | None = getattr(request, "segl_context", None)
        if context is not None:
            claims["auth_time"] = int(context.auth_time.timestamp())
        return claims, expiration

    def validate_silent_login(self, request: Any) -> bool:
        # segl keeps no login session: every login is a fresh authentication.
        return False

    def validate_silent_authorization(self, request: Any) -> bool:
        return False
