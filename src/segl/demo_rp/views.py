"""Demo Bank: a relying party inside the project, to show and test a real login over OIDC.

It logs in through :mod:`segl.oidc.client` (Authlib), as the portal does: what an RP developer
can copy, including the approval-text check."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from segl.core.assurance import Level
from segl.oidc.client import OidcClient, OidcClientError, Pending

CLIENT_ID = "demo-bank"
TRANSFER_TEXT = "Transfer 1,250.00 DKK to account 1234-567890 (Anna Jensen)"


def client(request: HttpRequest) -> OidcClient:
    return OidcClient(
        issuer=settings.CONFIG.issuer,
        client_id=CLIENT_ID,
        client_secret=settings.CONFIG.demo_rp_secret,
        redirect_uri=settings.CONFIG.base_url + reverse("demo_rp:callback"),
    )


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "demo_rp/home.html", {"transfer_text": TRANSFER_TEXT})


@require_POST
def start(request: HttpRequest) -> HttpResponse:
    purpose = request.POST.get("purpose", "log_on")
    if purpose == "transfer":
        url, pending = client(request).authorization_url(
            approval_text=TRANSFER_TEXT, action="approve"
        )
    elif purpose == "log_on_high":
        url, pending = client(request).authorization_url(acr_values=Level.HIGH.uri)
    else:
        url, pending = client(request).authorization_url()
    request.session["demo_rp_pending"] = pending.as_dict()
    return redirect(url)


def callback(request: HttpRequest) -> HttpResponse:
    raw = request.session.pop("demo_rp_pending", None)
    if raw is None:
        return render(
            request,
            "demo_rp/home.html",
            {
                "transfer_text": TRANSFER_TEXT,
                "error": _("The login was not started here. Try again."),
            },
            status=400,
        )
    try:
        claims = client(request).finish(pending=Pending(**raw), params=request.GET.dict())
    except OidcClientError as exc:
        messages = {
            "access_denied": _("The login was cancelled or could not be completed at segl."),
            "login_required": _("segl needs you to log in."),
            "invalid_request": _("segl refused the login request."),
        }
        return render(
            request,
            "demo_rp/home.html",
            {
                "transfer_text": TRANSFER_TEXT,
                "error": messages.get(exc.error, _("The login did not complete.")),
                "detail": str(exc),
            },
            status=400,
        )
    return render(
        request,
        "demo_rp/welcome.html",
        {
            "claims": claims,
            "claims_json": json.dumps(claims, indent=2, ensure_ascii=False),
            "approved_text": raw["approval_text"],
        },
    )
