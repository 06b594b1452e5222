"""The front page with the demo on: how to try it, and the demo people's devices."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from segl.authenticators.selectors import active_devices_of

from . import DEMO_PASSWORD, PEOPLE


def home(request: HttpRequest) -> HttpResponse:
    """segl's front page (:func:`segl.web.views.home`) with the demo's part: the demo people
    only, so an identity made by hand (no published password, no device file) is not listed."""
    context = {
        "demo_password": DEMO_PASSWORD,
        "demo_authenticators": active_devices_of(entry["user_id"] for entry in PEOPLE),
    }
    return render(request, "demo/home.html", context)
