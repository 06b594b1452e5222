"""The end of an authorization code: redeemed once, or burnt by the first request that fails.

RFC 6749 §4.1.2: "The client MUST NOT use the authorization code more than once. If an
authorization code is used more than once, the authorization server MUST deny the request and
SHOULD revoke (when possible) all tokens previously issued based on that authorization code."
segl goes one step further (decision 19): any token request that names a code and is refused
(a wrong or missing client authentication, another client's code, a wrong code verifier, a
wrong redirect URI, an expired code) burns that code and revokes what it issued, as a second
redemption does. Whoever holds a stolen code gets one attempt, not the code's lifetime to try
verifiers or clients; the RP, which never fails its own redemption, loses nothing.

Each token request is one audit event ``oidc.token``: ``issued``, or the stage that refused
it. Codes, verifiers, secrets and tokens are never logged.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.db import transaction
from oauth2_provider.models import AccessToken, Grant

from segl.audit.services import audit_record

from .models import AuthContext


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def code_redeem(
    *,
    context: AuthContext,
    access_token: AccessToken,
    client_id: str,
    user_id: str,
    ip: str,
    now: datetime,
) -> None:
    """The code behind ``context`` was redeemed for ``access_token`` by ``client_id`` for
    ``user_id`` (the caller's transaction, which also issues the token and deletes the
    grant)."""
    context.access_token = access_token
    context.redeemed_at = now
    context.save(update_fields=["access_token", "redeemed_at"])
    audit_record(
        action="oidc.token",
        outcome="issued",
        actor=client_id,
        subject=user_id,
        ip=ip,
        data={"flow": context.flow_id, "acr": context.acr},
        at=now,
    )


def code_burn(
    *, code: str | None, client_id: str, reason: str, error: str, ip: str, now: datetime
) -> None:
    """A token request naming ``code`` was refused for ``reason``: burn the code, revoke what it
    issued, and audit the refusal (also when there was no code, or no such code)."""
    with transaction.atomic():
        context = None
        if code:
            context = (
                AuthContext.objects.select_for_update()
                .select_related("identity")
                .filter(code_hash=code_hash(code))
                .first()
            )
        state, revoked = "none" if not code else "unknown", 0
        if context is not None:
            if context.redeemed_at is not None:
                state = "used"
                if context.access_token_id is not None:
                    # No refresh tokens are issued (segl.oidc.server): the access token is all.
                    _, deleted = AccessToken.objects.filter(pk=context.access_token_id).delete()
                    revoked = deleted.get(AccessToken._meta.label, 0)
            elif context.grant_id is not None:
                state = "burnt"
                Grant.objects.filter(pk=context.grant_id).delete()
            else:
                state = "dead"  # burnt before, or swept after it expired
        audit_record(
            action="oidc.token",
            outcome=reason[:32],
            actor=client_id,
            subject=context.identity.user_id if context is not None else "",
            ip=ip,
            data={
                "error": error,
                "code": state,
                "tokens_revoked": revoked,
                **({"flow": context.flow_id} if context is not None else {}),
            },
            at=now,
        )
