"""The audio code reader's emulator page: its keypad, its display and its voice.

The page works without JavaScript: each key is a submit button, and "Hold the red button"
is a checkbox held while a digit is pressed. With JavaScript, holding R on the keyboard (or the
red button with a finger) and pressing a digit is the chord, as on the device; every press is
said in the status region (aria-live), and what the device says plays in an audio element the
user starts, unless they ask for it to play at once.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from segl import clock

from . import speech
from .audio_reader import AUTO_OFF, Keys, Reaction, display_now, is_on, parse_keys, press, sound
from .device_file import DeviceFile


def reader_page(request: HttpRequest, device: DeviceFile) -> HttpResponse:
    """GET shows the device as it is now; POST presses keys (``keys=red+9``, or ``key`` with
    the ``hold`` checkbox)."""
    now = clock.now()
    reaction: Reaction | None = None
    announce = error = ""
    if request.method == "POST":
        try:
            keys = _keys(request)
        except ValueError:
            error = _("Press the red button, or hold it and press a number from 0 to 9.")
            if _wants_json(request):
                return JsonResponse({"error": error}, status=400)
        else:
            reaction = press(device, keys, now)
            announce = _announce(reaction, keys, device)
            if _wants_json(request):
                return JsonResponse(_state(device, reaction, announce))
    context = {
        "device": device,
        "display": display_now(device, now),
        "announce": error or announce,
        "error": error,
        "speech_ok": speech.available(),
        "audio_url": _audio_url(device) if reaction and reaction.said else "",
        "seconds_left": _seconds_left(device),
        "auto_off_seconds": int(AUTO_OFF.total_seconds()),
    }
    return render(request, "emulators/audio_reader.html", context, status=400 if error else 200)


def speech_file(request: HttpRequest, device: DeviceFile) -> HttpResponse:
    """What the device said last, as a WAV file (espeak-ng)."""
    said = device.reader.said if device.reader else None
    if said is None:
        raise Http404("the reader has said nothing")
    try:
        wav = sound(device, said)
    except speech.SpeechUnavailable:
        raise Http404("no speech on this server") from None
    response = HttpResponse(wav, content_type="audio/wav")
    response["Cache-Control"] = "no-store"
    return response


def _keys(request: HttpRequest) -> Keys:
    if "keys" in request.POST:
        return parse_keys(request.POST["keys"])
    key = request.POST.get("key", "")
    if key == "red":
        return Keys(red=True)
    keys = parse_keys(key)
    if keys.red or keys.digit is None:
        raise ValueError("one key at a time")
    return Keys(red=True, digit=keys.digit) if request.POST.get("hold") else keys


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("Accept") == "application/json"


def _state(device: DeviceFile, reaction: Reaction, announce: str) -> dict[str, object]:
    return {
        "event": reaction.event,
        "display": reaction.display,
        "announce": announce,
        "audio": _audio_url(device) if reaction.said else None,
        "seconds_left": _seconds_left(device),
        "language": _language_name(device.language),
        "volume": device.volume,
        "speed": device.speed,
    }


def _audio_url(device: DeviceFile) -> str:
    # A new address for each saying, so the audio element never plays an old one.
    on_until = device.reader.on_until if device.reader else None
    version = int(on_until.timestamp() * 1000) if on_until else 0
    return reverse("emulators:speech", args=[device.serial]) + f"?v={version}"


def _seconds_left(device: DeviceFile) -> int:
    now = clock.now()
    if not is_on(device, now) or device.reader is None or device.reader.on_until is None:
        return 0
    return max(0, round((device.reader.on_until - now).total_seconds()))


def _language_name(language: str | None) -> str:
    return _("English") if language == "en" else _("Danish")


def _spaced(code: str) -> str:
    return " ".join(code[i : i + 3] for i in range(0, len(code), 3))


def _announce(reaction: Reaction, keys: Keys, device: DeviceFile) -> str:
    """What the status region says about a press, in the page's language."""
    value = reaction.said[1] if reaction.said else ""
    what = reaction.said[0] if reaction.said else ""
    if reaction.event == "code":
        return _("The display shows the one-time code %(code)s.") % {"code": _spaced(value)}
    if reaction.event == "again":
        return _("The one-time code again: %(code)s.") % {"code": _spaced(value)}
    if reaction.event == "off":
        return _("The audio code reader is off.")
    if reaction.event == "volume":
        return _("Volume %(value)s of 9.") % {"value": value}
    if reaction.event == "speed":
        return _("Reading speed %(value)s of 5.") % {"value": value}
    if what == "volume_max":
        return _("The volume is at its highest, 9 of 9.")
    if what == "volume_min":
        return _("The volume is at its lowest, 1 of 9.")
    if what == "speed_max":
        return _("The reading speed is at its fastest, 5 of 5.")
    if what == "speed_min":
        return _("The reading speed is at its slowest, 1 of 5.")
    if reaction.event == "language":
        if device.language == "en":
            return _("The reader now speaks English.")
        return _("The reader now speaks Danish.")
    if reaction.event == "serial":
        serial = device.serial
        spaced = " ".join((serial[:2], serial[2:5], serial[5:8], serial[8:11], serial[11:]))
        return _("Serial number: %(serial)s.") % {"serial": spaced}
    if keys.red:
        return _("The red button with %(digit)s does nothing.") % {"digit": keys.digit}
    return _(
        "A number does nothing on its own: hold the red button (R on a keyboard) while you "
        "press it."
    )
