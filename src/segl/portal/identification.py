"""Identification by CPR number and passport number on the portal's order and activation forms,
and the refusals a citizen reads. Every refusal reads the same whether or not the CPR number is
anyone's (see :mod:`segl.orders.identification`)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from segl import clock
from segl.core.errors import Disabled, Locked
from segl.http import client_ip
from segl.identities.models import Person
from segl.orders.identification import identify_by_passport
from segl.orders.services import OrderRefused


def wait_message(exc: Locked) -> str:
    until = timezone.localtime(exc.until)
    return _("Too many wrong tries. Wait until %(time)s and try again.") % {
        "time": until.strftime("%H:%M")
    }


def identify(request: HttpRequest, form: forms.Form) -> tuple[Person | None, int]:
    """The person the form's CPR number and passport number name, or None and the status to
    answer with, the refusal added to the form."""
    data = form.cleaned_data
    try:
        person = identify_by_passport(
            cpr=data["cpr"], passport=data["passport"], now=clock.now(), ip=client_ip(request)
        )
    except Locked as exc:
        form.add_error(None, wait_message(exc))
        return None, 429
    except Disabled:
        form.add_error(
            None,
            _(
                "Identification with this CPR number and passport number is blocked after too "
                "many wrong tries. Log in with segl instead, or visit a citizen service centre."
            ),
        )
        return None, 403
    except OrderRefused:
        form.add_error(
            "cpr",
            _("The CPR number and the passport number do not match. Check them and try again."),
        )
        return None, 400
    return person, 200
