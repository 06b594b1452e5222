"""Activating a code device that came by post or from a citizen service centre (seed 001)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_http_methods

from segl import clock
from segl.authenticators.services import DeviceError
from segl.codedevice import texts
from segl.core.errors import Disabled, Locked, PasswordRejected, SeglError
from segl.http import client_ip, rate_limited

from .. import auth, services
from ..forms import ActivateForm
from ..refusals import refusal
from .common import page, posted
from .identify import identify


def _kind(request: HttpRequest) -> str:
    """The kind of device the citizen said they have (``?kind=``), or "" for either."""
    kind = request.GET.get("kind", "")
    return kind if kind in texts.DEVICE_KINDS else ""


def activate(request: HttpRequest) -> HttpResponse:
    """ "Do you have an audio code reader?": Yes, activate / No, order (seeds 000 and 001)."""
    kind = _kind(request)
    return page(
        request, "activate_choice.html", {"kind": kind, "question": texts.have_question(kind)}
    )


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
