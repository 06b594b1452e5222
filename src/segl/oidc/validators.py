"""segl's OAuth 2.0 / OpenID Connect request validator on django-oauth-toolkit.

What segl adds to the library's validator: the ID token carries how the citizen authenticated
(``acr``/``loa``, ``ial``, ``aal``, ``amr``, ``auth_time``) and a SHA-256 of the text they
approved; an authorization code can only be issued at the end of a segl login flow; a second
redemption of a code revokes what the first one issued; and there is no silent login.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from segl.audit.services import audit_record
from segl.core.assurance import Level

from .models import AuthContext

OPENID_CLAIMS = ("acr", "loa", "ial", "aal", "amr", "segl_action", "segl_approval_sha256")
PROFILE_CLAIMS = ("name", "given_name", "family_name", "birthdate")


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class SeglValidator(OAuth2Validator):
    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        **{claim: "openid" for claim in OPENID_CLAIMS},
        **{claim: "profile" for claim in PROFILE_CLAIMS},
    }

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
            cached = Grant.objects.select_related("user").get(code=code)
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
        return bool(self._grant(code, request).redirect_uri_allowed(redirect_uri))

    def get_code_challenge(self, code: str, request: Any) -> str | None:
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
        context = (
            AuthContext.objects.select_for_update()
            .filter(code_hash=code_hash(code), application=client)
            .first()
        )
        if context is not None and context.redeemed_at is not None:
            self._revoke_reused(context)
            return False
        try:
            grant = self._grant(code, request)
        except Grant.DoesNotExist:
            return False
        if context is None or grant.is_expired():
            return False
        request.scopes = grant.scope.split(" ")
        request.user = grant.user
        if grant.nonce:
            request.nonce = grant.nonce
        if grant.claims:
            request.claims = json.loads(grant.claims)
        request.segl_context = context
        return True

    def _revoke_reused(self, context: AuthContext) -> None:
        """RFC 6749 §4.1.2: a code used twice revokes the tokens issued for it."""
        revoked = 0
        if context.access_token_id is not None:
            # No refresh tokens are issued (segl.oidc.server), so the access token is all.
            AccessToken.objects.filter(pk=context.access_token_id).delete()
            revoked = 1
        audit_record(
            action="oidc.code_reuse",
            outcome="revoked",
            actor=context.application.client_id,
            subject=context.identity.user_id,
            data={"flow": context.flow_id, "tokens_revoked": revoked},
        )

    def _create_access_token(
        self, expires: Any, request: Any, token: Any, source_refresh_token: Any = None
    ) -> Any:
        access_token = super()._create_access_token(expires, request, token, source_refresh_token)
        context: AuthContext | None = getattr(request, "segl_context", None)
        if context is not None:
            context.access_token = access_token
            context.redeemed_at = timezone.now()
            context.save(update_fields=["access_token", "redeemed_at"])
        return access_token

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
