"""OIDC endpoints that segl adds to django-oauth-toolkit's: the authorization request starts a
segl login flow, and the flow's end sends the browser back to the RP."""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.exceptions import FatalClientError, OAuthToolkitError
from oauth2_provider.views import ConnectDiscoveryInfoView as LibraryDiscoveryView
from oauth2_provider.views import TokenView as LibraryTokenView
from oauth2_provider.views.mixins import OAuthLibMixin
from oauthlib.oauth2.rfc6749 import errors

from segl import clock
from segl.core.approval import MAX_LENGTH as MAX_APPROVAL_TEXT
from segl.core.assurance import Level
from segl.flows.models import Action, Flow
from segl.flows.services import WrongBrowser, flow_expire, flow_get, flow_start
from segl.http import (
    browser_key,
    client_ip,
    new_browser_key,
    rate_limited,
    set_browser_cookie,
)

from .services import oidc_finish, with_iss


def _error_page(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "segl/error.html", {"message": message}, status=status)


def _json_safe(credentials: dict[str, Any]) -> dict[str, Any]:
    safe = {}
    for key, value in credentials.items():
        try:
            json.dumps(value)
        except TypeError:
            continue
        safe[key] = value
    return safe


class AuthorizeView(OAuthLibMixin, View):
    """OpenID Connect Core §3.1.2: validate the request, then start a segl login flow."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if rate_limited(request, "authorize"):
            return _error_page(request, _("Too many attempts. Wait a minute and try again."), 429)
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except FatalClientError as exc:
            # Unknown client or redirect URI: never redirect to an unverified address.
            if isinstance(exc.oauthlib_error, errors.MissingRedirectURIError):
                return _error_page(request, _("The website sent an incomplete login request."))
            return _error_page(
                request,
                _(
                    "The website that sent you here is not registered with segl, or sent you "
                    "from an address it has not registered."
                ),
            )
        except OAuthToolkitError as exc:
            error = exc.oauthlib_error
            if not error.redirect_uri:
                return _error_page(request, _("The website sent an incomplete login request."))
            return HttpResponseRedirect(with_iss(error.in_uri(error.redirect_uri)))
        # segl.oidc.authorization has checked the parameters read here.
        application = credentials["request"].client
        credentials = _json_safe(credentials)
        params = request.GET
        level = credentials.get("segl_level")
        # Only a key segl issued binds the flow; anything else in the cookie is replaced.
        key = browser_key(request) or new_browser_key()
        flow = flow_start(
            application=application,
            authorize_uri=request.build_absolute_uri(),
            scopes=list(scopes),
            credentials=credentials,
            approval_text=params.get("approval_text", ""),
            action=params.get("action") or Action.LOG_ON,
            requested_level=Level.from_key(level) if level else None,
            login_hint=params.get("login_hint", ""),
            browser_key=key,
            now=clock.now(),
            ip=client_ip(request),
        )
        response = redirect("flows:step", flow_id=flow.id)
        set_browser_cookie(response, key)
        return response


class FinishView(View):
    """The flow is over: send the browser back to the RP with a code or an error, once."""

    def get(self, request: HttpRequest, flow_id: str) -> HttpResponse:
        now = clock.now()
        key = browser_key(request)
        try:
            flow = flow_get(flow_id=flow_id, browser_key=key)
            if not flow.state.finished:
                if now < flow.expires_at:
                    return redirect("flows:step", flow_id=flow.id)
                flow = flow_expire(flow_id=flow_id, browser_key=key, now=now)
        except (Flow.DoesNotExist, WrongBrowser):
            return _error_page(
                request,
                _(
                    "This login was not found in this browser. "
                    "Go back to the website and start again."
                ),
                404,
            )
        with transaction.atomic():
            claimed = Flow.objects.filter(pk=flow.pk, consumed_at__isnull=True).update(
                consumed_at=now
            )
            if not claimed:
                return _error_page(
                    request,
                    _("This login is already finished. Go back to the website and start again."),
                    410,
                )
            return HttpResponseRedirect(oidc_finish(flow=flow, now=now))


@method_decorator(transaction.atomic, name="post")
class TokenView(LibraryTokenView):
    """The library's token endpoint in one transaction, so redeeming a code is all or nothing.

    Every request goes to the authorization code grant (segl.oidc.server answers any other
    grant type with ``unsupported_grant_type``); the library's own ``post`` would send a
    ``device_code`` grant type to a device flow segl does not run.
    """

    @method_decorator(sensitive_post_parameters("client_secret", "code", "code_verifier"))
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        # The library's own response would look the new access token up again to send a signal
        # segl does not listen to (decision 38).
        _, headers, body, status = self.create_token_response(request)
        response = HttpResponse(content=body, status=status)
        for name, value in headers.items():
            response[name] = value
        return response


class DiscoveryView(LibraryDiscoveryView):
    """OpenID Connect Discovery 1.0, with what segl adds: NSIS levels and approval requests."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().get(request, *args, **kwargs)
        data = json.loads(response.content)
        data.update(
            acr_values_supported=[level.uri for level in Level],
            id_token_signing_alg_values_supported=["RS256"],
            claims_supported=sorted(data["claims_supported"]),
            ui_locales_supported=["da", "en"],
            grant_types_supported=["authorization_code"],
            # OpenID Connect Discovery §3: request_uri_parameter_supported defaults to true,
            # so segl, which refuses request objects (segl.oidc.authorization), says false.
            request_parameter_supported=False,
            request_uri_parameter_supported=False,
            claims_parameter_supported=True,
            segl_actions_supported=list(Action.values),
            segl_approval_text_max_length=MAX_APPROVAL_TEXT,
        )
        new = JsonResponse(data)
        new["Access-Control-Allow-Origin"] = "*"
        return new
