"""The front page with the demo on: how to try it, and the demo people's devices."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from segl.authenticators.selectors import active_devices_of
from segl.centres.registry import centres
from segl.centres.stock import devices_waiting

from . import DEMO_PASSWORD, PEOPLE


def home(request: HttpRequest) -> HttpResponse:
    """segl's front page (:func:`segl.web.views.home`) with the demo's part: the demo people
    only, so an identity made by hand (no published password, no device file) is not listed."""
    context = {
        "demo_password": DEMO_PASSWORD,
        "demo_authenticators": active_devices_of(entry["user_id"] for entry in PEOPLE),
        "stock": [(device, centres().get(centre)) for device, centre in devices_waiting()],
    }
    return render(request, "demo/home.html", context)
