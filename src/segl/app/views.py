"""The segl app as an installable web app: its page, its manifest and its service worker."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

WORKER = Path(__file__).resolve().parent / "static" / "app" / "sw.js"
OPENAPI = Path(__file__).resolve().parent / "openapi.yaml"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    # With the demo on, the app offers the demo's emulated documents and camera.
    demo = reverse("emulators:list") if settings.CONFIG.demo else ""
    response = render(request, "app/index.html", {"demo": demo})
    # The app may use the camera to scan QR codes; nothing else may.
    response["Permissions-Policy"] = "camera=(self), microphone=(), geolocation=()"
    return response


@require_GET
def manifest(request: HttpRequest) -> HttpResponse:
    start = reverse("app:home")
    data = {
        "name": _("segl app"),
        "short_name": "segl",
        "start_url": start,
        "scope": start,
        "display": "standalone",
        "background_color": "#f3f2f1",
        "theme_color": "#0b3d91",
        "icons": [
            {"src": static("segl/shield.svg"), "sizes": "any", "type": "image/svg+xml"},
        ],
    }
    return HttpResponse(json.dumps(data), content_type="application/manifest+json")


@require_GET
def worker(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(WORKER.read_bytes(), content_type="text/javascript")
    response["Service-Worker-Allowed"] = reverse("app:home")
    response["Cache-Control"] = "no-cache"
    return response


@require_GET
def openapi(request: HttpRequest) -> HttpResponse:
    """The app API described in OpenAPI 3.1, for app and RP developers."""
    return HttpResponse(OPENAPI.read_bytes(), content_type="application/yaml")
