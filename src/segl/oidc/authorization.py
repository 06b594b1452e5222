"""What segl refuses in an authorization request, beyond what oauthlib checks.

OpenID Connect Core §3.1.2.1 (the request), §3.1.2.6 and §6 (its errors), RFC 6749 §3.1 and
RFC 7636. These run as oauthlib ``pre_auth`` validators of the code grant (segl.oidc.server),
after the client and its redirect URI are known, so each refusal goes back to the RP's redirect
URI with its state. What fails before that (an unknown client, a missing or unregistered
redirect URI) gets an error page instead: RFC 6749 §4.1.2.1, the server "MUST NOT automatically
redirect the user-agent to the invalid redirection URI".

    invalid_request            a NUL character or a repeated parameter; PKCE outside RFC 7636;
                               a nonce too long to keep; a malformed ``claims``; an
                               ``approval_text`` or ``action`` segl will not show
    request_not_supported      ``request`` (a request object)
    request_uri_not_supported  ``request_uri``
    registration_not_supported ``registration``
    access_denied              an essential ``acr`` no level of segl's matches (§5.5.1.1)

Each validator returns what it adds to the request's credentials, which oauthlib merges:
``segl_level`` (the key of the level the login must reach, or None) and ``segl_acr_essential``
(the acr values the RP made essential; the ID token's ``acr`` will be one of them).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from oauth2_provider.models import Grant
from oauthlib.oauth2.rfc6749 import errors
from oauthlib.openid.connect.core import exceptions as oidc_errors

from segl.core import pkce
from segl.core.approval import check_approval_text
from segl.core.assurance import Level, requested_level
from segl.core.errors import ApprovalTextRefused, PkceInvalid
from segl.flows.models import Action

_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]{1,40}")
# The library keeps the nonce in a column of this many characters; PostgreSQL refuses more.
NONCE_MAX_LENGTH: int = Grant._meta.get_field("nonce").max_length or 255


def parameters(request: Any) -> list[tuple[str, str]]:
    """Every parameter of the request as sent (URI query, then form body), repeats included."""
    query = parse_qsl(urlsplit(request.uri).query, keep_blank_values=True)
    return [*query, *(request.decoded_body or [])]


def _named(name: str) -> str:
    # An error description is plain ASCII without quotes (RFC 6749 §4.1.2.1).
    return name if _PLAIN_NAME.fullmatch(name) else "a parameter"


def check_parameters(request: Any) -> dict[str, Any]:
    """No NUL characters, no parameter twice.

    NUL is the one character a database cannot keep (PostgreSQL text refuses it), and a value
    that cannot be kept cannot be checked later either: refused here, once, for every parameter.
    """
    seen: set[str] = set()
    for name, value in parameters(request):
        if "\x00" in name or "\x00" in value:
            raise errors.InvalidRequestError(
                description=f"{_named(name)} contains a NUL character", request=request
            )
        if name in seen:
            # RFC 6749 §3.1: "Request and response parameters MUST NOT be included more than
            # once."
            raise errors.InvalidRequestError(
                description=f"{_named(name)} is repeated", request=request
            )
        seen.add(name)
    return {}


def refuse_request_objects(request: Any) -> dict[str, Any]:
    """OIDC Core §6: an OP that does not support request objects says so with these errors."""
    given = dict(parameters(request))
    # RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted".
    if given.get("request"):
        raise oidc_errors.RequestNotSupported(request=request)
    if given.get("request_uri"):
        raise oidc_errors.RequestURINotSupported(request=request)
    if given.get("registration"):
        raise oidc_errors.RegistrationNotSupported(request=request)
    return {}


def check_pkce(request: Any) -> dict[str, Any]:
    try:
        pkce.check_code_challenge(request.code_challenge, request.code_challenge_method)
    except PkceInvalid as exc:
        raise errors.InvalidRequestError(description=exc.reason, request=request) from None
    return {}


def check_nonce(request: Any) -> dict[str, Any]:
    if request.nonce and len(request.nonce) > NONCE_MAX_LENGTH:
        raise errors.InvalidRequestError(
            description=f"nonce is longer than {NONCE_MAX_LENGTH} characters", request=request
        )
    return {}


def check_approval(request: Any) -> dict[str, Any]:
    """segl's own parameters: the text to approve (decision 7) and the action verb."""
    given = dict(parameters(request))
    try:
        check_approval_text(given.get("approval_text", ""))
    except ApprovalTextRefused as exc:
        raise errors.InvalidRequestError(description=exc.reason, request=request) from None
    action = given.get("action") or Action.LOG_ON
    if action not in Action.values:
        raise errors.InvalidRequestError(
            description="action must be one of " + ", ".join(Action.values), request=request
        )
    return {}


def _acr_request(request: Any) -> tuple[bool, list[str] | None] | None:
    """The ``acr`` member of ``claims.id_token``: (essential, values or None), or None.

    OIDC Core §5.5: ``claims`` is a JSON object; §5.5.1: each claim is null or an object with
    ``essential`` (boolean), ``value`` (a string) or ``values`` (an array of strings).
    """
    raw = request.claims
    if not raw:
        return None
    try:
        claims = json.loads(raw) if isinstance(raw, str) else raw
    except ValueError:
        raise errors.InvalidRequestError(
            description="claims is not JSON", request=request
        ) from None
    if not isinstance(claims, dict):
        raise errors.InvalidRequestError(description="claims is not a JSON object", request=request)
    # oauthlib reads the parameter again (OpenID Connect's post_auth validator); it takes a
    # dict as parsed.
    request.claims = claims
    id_token = claims.get("id_token")
    if id_token is None:
        return None
    acr = id_token.get("acr") if isinstance(id_token, dict) else None
    if not isinstance(id_token, dict) or not isinstance(acr, dict | None):
        raise errors.InvalidRequestError(
            description="claims.id_token and each claim in it must be objects or null",
            request=request,
        )
    if acr is None:
        return None
    essential = acr.get("essential", False)
    values = [acr["value"]] if "value" in acr else acr.get("values")
    if not isinstance(essential, bool) or not (
        values is None or (isinstance(values, list) and all(isinstance(v, str) for v in values))
    ):
        raise errors.InvalidRequestError(
            description="claims.id_token.acr is malformed (OIDC Core 5.5.1)", request=request
        )
    return essential, values


def check_level(request: Any) -> dict[str, Any]:
    """The level the login must reach: from ``acr_values`` and an ``acr`` in ``claims``.

    Both are honoured alike, as decision 7 says of ``acr_values``: any listed level is
    acceptable, so the lowest known one must be reached, and a login that cannot reach it
    ends with access_denied. Unknown values are ignored, unless the claim is essential and
    names no level segl has: OIDC Core §5.5.1.1, "If this is an Essential Claim and the
    requirement cannot be met, then the Authorization Server MUST treat that outcome as a
    failed authentication attempt."
    """
    asked = requested_level(request.acr_values)
    wanted = [asked] if asked is not None else []
    essential: list[str] = []
    acr = _acr_request(request)
    if acr is not None and acr[1] is not None:
        is_essential, values = acr
        known = [level for level in map(Level.from_uri, values or ()) if level is not None]
        if is_essential and not known:
            raise errors.AccessDeniedError(
                description="segl can meet none of the essential acr values", request=request
            )
        if known:
            wanted.append(min(known))
        if is_essential:
            essential = [level.uri for level in known]
    level = max(wanted) if wanted else None
    return {"segl_level": level.key if level else None, "segl_acr_essential": essential}


PRE_AUTH: tuple[Callable[[Any], dict[str, Any]], ...] = (
    check_parameters,
    refuse_request_objects,
    check_pkce,
    check_nonce,
    check_approval,
    check_level,
)
