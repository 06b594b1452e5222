"""Emulator pages for code displays and audio code readers (``reader_page``), and the demo's phone.

Each device page reads only its device file (what the physical device contains), never the
IdP's database, exactly as a real token knows nothing of the server. These pages belong to the
demo: they are routed only when it is on, and each refuses (404) when it is off.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from segl import clock
from segl.http import client_ip

from .device_file import DeviceFile, device_lock
from .reader_page import reader_page, speech_file

SERIAL = re.compile(r"^[A-Z]{2}[0-9]{10}$")


def _device_path(serial: str) -> Path:
    if not SERIAL.match(serial):
        raise Http404("no such device")
    path = Path(settings.CONFIG.device_dir) / f"{serial}.json"
    if not path.is_file():
        raise Http404("no such device")
    return path


class _Unreadable(Exception):
    """A device file that is there but cannot be read (edited by hand, say)."""

    def __init__(self, serial: str, reason: str) -> None:
        super().__init__(reason)
        self.serial, self.reason = serial, reason


def _load(serial: str) -> DeviceFile:
    try:
        return DeviceFile.load(_device_path(serial))
    except ValueError as exc:  # UnicodeDecodeError and json's errors are ValueErrors too
        raise _Unreadable(serial, str(exc)) from None


def _unreadable(request: HttpRequest, error: _Unreadable) -> HttpResponse:
    message = _("The device file of %(serial)s cannot be read: %(reason)s") % {
        "serial": error.serial,
        "reason": error.reason,
    }
    return render(request, "segl/error.html", {"message": message}, status=409)


def _demo_only() -> None:
    """The demo's pages exist only with the demo on: elsewhere a device file is a citizen's
    second factor, messages are for their owners, and activation codes come after an ID
    check."""
    if not settings.CONFIG.demo:
        raise Http404("demo only")


def device_list(request: HttpRequest) -> HttpResponse:
    _demo_only()
    directory = Path(settings.CONFIG.device_dir)
    serials = sorted(p.stem for p in directory.glob("*.json") if SERIAL.match(p.stem))
    return render(request, "emulators/list.html", {"serials": serials})


@require_http_methods(["GET", "POST"])
def device_page(request: HttpRequest, serial: str) -> HttpResponse:
    _demo_only()
    # One press at a time, as on the device: two at once would both change what one file holds.
    with device_lock(_device_path(serial)):
        return _device_page(request, serial)


def _device_page(request: HttpRequest, serial: str) -> HttpResponse:
    try:
        device = _load(serial)
    except _Unreadable as error:
        return _unreadable(request, error)
    if device.kind == "audio_code_reader":
        return reader_page(request, device)
    code = ""
    if request.method == "POST":
        code = device.press(clock.now())
        if device.algorithm == "hotp":
            device.dump(_device_path(serial))
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"serial": device.serial, "code": code})
    return render(request, "emulators/device.html", {"device": device, "code": code})


@require_http_methods(["GET"])
def speech(request: HttpRequest, serial: str) -> HttpResponse:
    _demo_only()
    try:
        device = _load(serial)
    except _Unreadable as error:
        return _unreadable(request, error)
    if device.kind != "audio_code_reader":
        raise Http404("a code display has no sound")
    return speech_file(request, device)


@require_http_methods(["GET", "POST"])
def phone(request: HttpRequest) -> HttpResponse:
    """The demo's phone: the SMS (temporary PIN codes) segl sent, the letters (the demo's
    letterbox), and activation codes for the app, as a citizen service centre would hand them
    out after checking ID."""
    _demo_only()
    from segl.app.services import activation_code_issue
    from segl.identities.models import Identity
    from segl.notify.models import OutboxMessage

    issued = None
    active = Identity.objects.filter(status="active")
    if request.method == "POST":
        identity = active.filter(user_id=request.POST.get("user_id", "")).first()
        if identity is not None:
            code = activation_code_issue(
                identity=identity, now=clock.now(), issued_by="demo", ip=client_ip(request)
            )
            issued = {"user_id": identity.user_id, "code": code}
    messages = OutboxMessage.objects.filter(channel="sms").order_by("-id")[:20]
    letters = OutboxMessage.objects.filter(channel="letter").order_by("-id")[:10]
    context = {
        "messages": messages,
        "letters": letters,
        "identities": active.order_by("user_id")[:50],
        "issued": issued,
    }
    return render(request, "emulators/phone.html", context)
