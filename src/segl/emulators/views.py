"""Emulator pages for code displays and audio code readers.

Each page reads only its device file (what the physical device contains), never the IdP's
database, exactly as a real token knows nothing of the server.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from .device_file import DeviceFile

SERIAL = re.compile(r"^[A-Z]{2}[0-9]{10}$")


def _device_path(serial: str) -> Path:
    if not SERIAL.match(serial):
        raise Http404("no such device")
    path = Path(settings.CONFIG.device_dir) / f"{serial}.json"
    if not path.is_file():
        raise Http404("no such device")
    return path


def device_list(request: HttpRequest) -> HttpResponse:
    directory = Path(settings.CONFIG.device_dir)
    serials = sorted(p.stem for p in directory.glob("*.json") if SERIAL.match(p.stem))
    return render(request, "emulators/list.html", {"serials": serials})


def device_page(request: HttpRequest, serial: str) -> HttpResponse:
    device = DeviceFile.load(_device_path(serial))
    code = ""
    if request.method == "POST":
        code = device.press(timezone.now())
        if device.algorithm == "hotp":
            device.dump(_device_path(serial))
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"serial": device.serial, "code": code})
    return render(request, "emulators/device.html", {"device": device, "code": code})
