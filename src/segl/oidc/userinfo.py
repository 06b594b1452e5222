"""The userinfo endpoint's rules: the access token in the Authorization header only, and every
refusal audited.

RFC 6750 §2 lets a resource server accept a bearer token in the header (§2.1), a form body
(§2.2) or the query string (§2.3); the last two leak tokens into logs, histories and Referer
headers (RFC 9700 §4.3.2: clients "MUST NOT pass access tokens in a URI query parameter").
segl's rule: the header only; the other two MUST NOT be accepted. A token sent any other way,
alone or beside a header, is refused as RFC 6750 §3.1 ``invalid_request`` ("includes an
unsupported parameter ... or uses more than one method for including an access token"), with
the challenge in ``WWW-Authenticate``.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from oauthlib.oauth2.rfc6749 import errors

from segl import clock
from segl.audit.services import audit_record

from .authorization import parameters


class TokenNotInHeader(errors.InvalidRequestError):
    description = "send the access token in the Authorization header only (RFC 6750 2.1)"

    @property
    def headers(self) -> dict[str, str]:
        # oauthlib adds the challenge to 401 answers only; RFC 6750 §3 has one on every error.
        return {
            "WWW-Authenticate": (
                f'Bearer error="{self.error}", error_description="{self.description}"'
            )
        }


def check_transport(request: Any) -> None:
    """Raise ``TokenNotInHeader`` when an ``access_token`` parameter came in the URI or body."""
    if any(name == "access_token" for name, _value in parameters(request)):
        raise TokenNotInHeader()


REASONS = {
    "invalid_request": "transport",
    "invalid_token": "token",
    "insufficient_scope": "scope",
}


def userinfo_refuse(*, error: str, method: str, ip: str) -> None:
    """Audit a refused userinfo request: why, and from where; never the token."""
    with transaction.atomic():
        audit_record(
            action="oidc.userinfo",
            outcome=REASONS.get(error, "refused"),
            ip=ip,
            data={"error": error, "method": method[:8]},
            at=clock.now(),
        )
