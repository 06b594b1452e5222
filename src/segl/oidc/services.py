"""Relying parties and the end of a login: register an RP, issue the code or the error."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import transaction
from oauth2_provider.models import Application, clear_expired
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauthlib.oauth2.rfc6749 import errors

from segl.audit.services import audit_record
from segl.core.approval import text_sha256
from segl.core.assurance import Level, reported_level
from segl.core.errors import SeglError
from segl.flows.models import Flow
from segl.flows.services import FlowRefused, flow_result

from .models import AuthContext

FAILURE_DESCRIPTIONS = {
    "level_unreachable": "The requested assurance level cannot be reached for this user.",
    "expired": "The login expired.",
    "identity_inactive": "The user cannot log in.",
    "no_authenticator": "The user has no active authenticator.",
}


class RpError(SeglError):
    code = "rp_invalid"


def check_redirect_uri(uri: str) -> str:
    parts = urlsplit(uri)
    allowed = cast(list[str], settings.OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"])
    if parts.scheme not in allowed or not parts.netloc:
        raise RpError(f"redirect URI must be an absolute {' or '.join(allowed)} URL: {uri!r}")
    if parts.fragment:
        raise RpError("a redirect URI must not have a fragment (RFC 6749 §3.1.2)")
    return uri


def rp_add(
    *,
    name: str,
    redirect_uris: list[str],
    client_id: str | None = None,
    client_secret: str | None = None,
    public: bool = False,
    post_logout_redirect_uris: list[str] | None = None,
    actor: str = "",
) -> tuple[Application, str | None]:
    """Register an RP; returns the application and its client secret (shown once)."""
    if not name.strip():
        raise RpError("an RP needs a name")
    if not redirect_uris:
        raise RpError("an RP needs at least one redirect URI")
    uris = [check_redirect_uri(u) for u in redirect_uris]
    secret = None if public else (client_secret or secrets.token_urlsafe(32))
    with transaction.atomic():
        if client_id and Application.objects.filter(client_id=client_id).exists():
            raise RpError(f"client id {client_id!r} is taken")
        app = Application(
            name=name.strip(),
            client_type=Application.CLIENT_PUBLIC if public else Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=" ".join(uris),
            post_logout_redirect_uris=" ".join(post_logout_redirect_uris or []),
            algorithm=Application.RS256_ALGORITHM,
            skip_authorization=True,
        )
        if client_id:
            app.client_id = client_id
        if secret is not None:
            app.client_secret = secret
        app.save()
        audit_record(
            action="rp.add",
            actor=actor,
            subject=app.client_id,
            data={"name": app.name, "redirect_uris": uris, "public": public},
        )
    return app, secret


def with_iss(uri: str) -> str:
    # RFC 9207: the authorization response names its issuer, against mix-up attacks.
    sep = "&" if urlsplit(uri).query else "?"
    return uri + sep + urlencode({"iss": settings.CONFIG.issuer})


def error_redirect(credentials: dict[str, Any], error: errors.OAuth2Error) -> str:
    error.state = credentials.get("state")
    return with_iss(error.in_uri(credentials["redirect_uri"]))


def oidc_finish(*, flow: Flow, now: datetime) -> str:
    """The redirect back to the RP for a finished flow: a code when it is done, else an error.

    Each flow finishes once; the caller has marked it consumed.
    """
    credentials = dict(flow.credentials)
    if flow.step == "done":
        try:
            result = flow_result(flow)
        except FlowRefused as refused:
            # Done, but the level is no longer reached (the identity's level was lowered).
            audit_record(
                action="oidc.refused",
                actor=flow.application.client_id,
                subject=flow.identity.user_id if flow.identity else "",
                data={"flow": flow.id, "reason": refused.reason},
                at=now,
            )
            description = FAILURE_DESCRIPTIONS.get(refused.reason, "The login failed.")
            return error_redirect(credentials, errors.AccessDeniedError(description=description))
        acr = result.acr
        essential = [Level.from_uri(uri) for uri in credentials.get("segl_acr_essential") or ()]
        if essential:
            # segl.oidc.authorization: the RP made acr essential; report one of its values.
            acr = reported_level(acr, [level for level in essential if level is not None])
        credentials["user"] = result.identity
        credentials["segl_login"] = {
            "flow_id": flow.id,
            "acr": acr.uri,
            "ial": result.ial.key,
            "aal": result.aal.key,
            "amr": list(result.amr),
            "method": result.method,
            "auth_time": result.auth_time,
            "action": flow.action,
            "approval_text_sha256": text_sha256(flow.approval_text),
        }
        server = get_oauthlib_core().server
        with transaction.atomic():
            headers, _body, status = server.create_authorization_response(
                uri=flow.authorize_uri,
                http_method="GET",
                scopes=flow.scopes,
                credentials=credentials,
            )
            location = headers.get("Location")
            if status != 302 or not location:
                raise errors.ServerError(description="the authorization response failed")
            audit_record(
                action="oidc.code",
                actor=flow.application.client_id,
                subject=result.identity.user_id,
                data={"flow": flow.id, "acr": acr.uri},
                at=now,
            )
        return with_iss(location)
    if flow.step == "cancelled":
        error: errors.OAuth2Error = errors.AccessDeniedError(
            description="The user cancelled the login."
        )
    elif flow.failure == "level_unreachable":
        error = errors.AccessDeniedError(description=FAILURE_DESCRIPTIONS[flow.failure])
    else:
        error = errors.AccessDeniedError(
            description=FAILURE_DESCRIPTIONS.get(flow.failure, "The login failed.")
        )
    return error_redirect(credentials, error)


def oidc_purge(*, now: datetime, keep: timedelta) -> dict[str, int]:
    """Delete expired grants and tokens (django-oauth-toolkit's own sweep) and the login
    contexts of codes issued more than ``keep`` ago, long after their code and tokens died."""
    clear_expired()
    contexts, _ = AuthContext.objects.filter(created_at__lt=now - keep).delete()
    return {"auth_contexts": contexts}
