"""Identification by CPR number and passport number on the order and activation forms. Every
refusal reads the same whether or not the CPR number is anyone's (see
:mod:`segl.orders.identification`)."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest

from segl import clock
from segl.core.errors import Disabled, Locked
from segl.http import client_ip
from segl.identities.models import Person
from segl.orders.identification import identify_by_passport
from segl.orders.services import OrderRefused

from ..refusals import refusal


def identify(request: HttpRequest, form: forms.Form) -> tuple[Person | None, int]:
    """The person the form's CPR number and passport number name, or None and the status to
    answer with, the refusal added to the form."""
    data = form.cleaned_data
    try:
        person = identify_by_passport(
            cpr=data["cpr"], passport=data["passport"], now=clock.now(), ip=client_ip(request)
        )
    except Locked as exc:
        form.add_error(None, refusal(exc))
        return None, 429
    except Disabled:
        form.add_error(None, refusal("identification_blocked"))
        return None, 403
    except OrderRefused:
        form.add_error("cpr", refusal("identification_mismatch"))
        return None, 400
    return person, 200
