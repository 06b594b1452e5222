"""What every portal page shares: the page frame, the one-line notice, the logged-in identity."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from segl.identities.models import Identity

from .. import auth

NOTICE = "portal_notice"


def identity_of(request: HttpRequest) -> Identity:
    """The identity of a view behind ``auth.login_required``."""
    return cast(Identity, auth.current(request))


def posted(request: HttpRequest) -> Any:
    """The submitted form, also when it came empty; None for a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


def notice(request: HttpRequest, text: str) -> None:
    """A sentence for the next page shown (after a redirect)."""
    request.session[NOTICE] = text


def page(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    base = {
        "identity": auth.current(request),
        "notice": request.session.pop(NOTICE, ""),
    }
    return render(request, f"portal/{template}", {**base, **(context or {})}, status=status)
