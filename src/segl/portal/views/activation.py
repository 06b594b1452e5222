"""Activating a code device that came by post or from a citizen service centre (seed 001)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from segl import clock
from segl.authenticators.models import Kind
from segl.authenticators.services import DeviceError
from segl.chip import texts as chip_texts
from segl.chip.errors import ChipRefused
from segl.chip.kind import ChipAnswerForm, parse_answer
from segl.codedevice import texts
from segl.core.errors import Disabled, Locked, PasswordRejected, SeglError
from segl.http import client_ip, rate_limited

from .. import auth, services
from ..forms import ActivateForm, ChipActivateForm
from ..refusals import refusal
from .common import page, posted
from .identify import identify


def _kind(request: HttpRequest) -> str:
    """The kind of device the citizen said they have (``?kind=``), or "" for either."""
    kind = request.GET.get("kind", "")
    return kind if kind in texts.DEVICE_KINDS else ""


def activate(request: HttpRequest) -> HttpResponse:
    """ "Do you have an audio code reader?": Yes, activate / No, order (seeds 000 to 002)."""
    if request.GET.get("kind") == Kind.CHIP:
        shown = {"kind": Kind.CHIP.value, "question": chip_texts.have_question()}
    else:
        kind = _kind(request)
        shown = {"kind": kind, "question": texts.have_question(kind)}
    return page(request, "activate_choice.html", shown)


@require_http_methods(["GET", "POST"])
def activate_device(request: HttpRequest) -> HttpResponse:
    identity = auth.current(request)
    kind = _kind(request)
    form = ActivateForm(posted(request), logged_in=identity is not None, kind=kind)
    shown = {"form": form, "kind": kind, "title": texts.activate_title(kind)}
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return page(request, "activate.html", shown, status=status)
    if rate_limited(request, "portal-activate"):
        form.add_error(None, refusal("rate_limited"))
        return page(request, "activate.html", shown, status=429)
    person = None
    if identity is None:
        person, status = identify(request, form)
        if person is None:
            return page(request, "activate.html", shown, status=status)
    data = form.cleaned_data
    try:
        done = services.activate_device(
            identity=identity,
            person=person,
            serial=data["serial"],
            code=data["code"],
            password=data["new_password"],
            now=clock.now(),
            ip=client_ip(request),
        )
    except services.PortalRefused as exc:
        form.add_error(None, refusal(exc))
    except PasswordRejected as exc:
        form.reject_password(exc.reason)
    except Locked as exc:
        form.add_error("code", refusal(exc))
    except Disabled:
        form.add_error("code", refusal("device_blocked"))
    except DeviceError as exc:
        form.add_error("serial", refusal(exc, default="device_refused"))
    except SeglError:
        form.add_error("code", refusal("code_wrong"))
    else:
        return page(
            request,
            "activated.html",
            {"authenticator": done.authenticator, "retired": done.retired_serials},
        )
    return page(request, "activate.html", shown, status=400)


# The chip's activation in progress: its challenge and the options for the browser.
CHIP_SESSION = "portal_chip_activation"


@require_http_methods(["GET", "POST"])
def activate_chip(request: HttpRequest) -> HttpResponse:
    """Seed 002's chip, first half: a new password and the serial from the back. Only logged in:
    a chip has no code to prove it is the one sent (decision 37), so a CPR number and a passport
    number, which others can know, do not activate one here."""
    identity = auth.current(request)
    form = ChipActivateForm(posted(request))
    shown = {"form": form, "title": _("Activate your chip"), "login_needed": identity is None}
    if identity is None:
        return page(request, "activate_chip.html", shown, status=403 if posted(request) else 200)
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return page(request, "activate_chip.html", shown, status=status)
    if rate_limited(request, "portal-activate"):
        form.add_error(None, refusal("rate_limited"))
        return page(request, "activate_chip.html", shown, status=429)
    data = form.cleaned_data
    try:
        options, challenge = services.chip_activation_begin(
            identity=identity,
            serial=data["serial"],
            password=data["new_password"],
            now=clock.now(),
        )
    except services.PortalRefused as exc:
        form.add_error(None, refusal(exc))
    except PasswordRejected as exc:
        form.reject_password(exc.reason)
    except DeviceError as exc:
        form.add_error("serial", refusal(exc, default="device_refused"))
    except ChipRefused as exc:
        form.add_error("serial", chip_texts.registration_refusal(exc))
    else:
        request.session[CHIP_SESSION] = {"challenge": challenge, **options}
        return redirect("portal:activate_chip_connect")
    return page(request, "activate_chip.html", shown, status=400)


@require_http_methods(["GET", "POST"])
def activate_chip_connect(request: HttpRequest) -> HttpResponse:
    """Second half: connect the chip and press its button (a WebAuthn registration)."""
    started = request.session.get(CHIP_SESSION)
    if not started:
        return redirect("portal:activate_chip")
    form = ChipAnswerForm(posted(request))
    if request.method != "POST" or not form.is_valid():
        status = 400 if request.method == "POST" else 200
        return page(
            request, "activate_chip_connect.html", {"form": form, "options": started}, status
        )
    challenge, reply = parse_answer(form.answer())
    del request.session[CHIP_SESSION]  # a refused answer spent the challenge: start again
    try:
        if challenge != started["challenge"]:
            raise ChipRefused("challenge_unknown")
        done = services.chip_activation_finish(challenge_id=challenge, reply=reply, now=clock.now())
    except SeglError as exc:  # the chip's refusals, and a password that meanwhile became bad
        shown = {
            "form": ChipActivateForm(None),
            "title": _("Activate your chip"),
            "error": chip_texts.registration_refusal(exc),
        }
        return page(request, "activate_chip.html", shown, status=400)
    return page(
        request,
        "activated.html",
        {"authenticator": done.authenticator, "retired": done.retired_serials},
    )
