"""Booking a time at a citizen service centre, with or without logging in; seeing, moving and
cancelling it with the link the confirmation gave."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from segl import clock
from segl.centres.appointments import (
    Slot,
    appointment_book,
    appointment_by_link,
    appointment_cancel,
    appointment_move,
    bookable_days,
    slots,
)
from segl.centres.models import Appointment
from segl.centres.registry import ZONE, Centre, centre
from segl.centres.staff import StaffRefused
from segl.http import client_ip, rate_limited

from .. import auth
from ..booking import WhenForm, WhereForm, day_label
from ..refusals import refusal
from .common import notice, page


def _day(request: HttpRequest, place: Centre) -> tuple[date | None, list[date]]:
    days = bookable_days(place, now=clock.now())
    try:
        wanted = date.fromisoformat(request.GET.get("day", "") or request.POST.get("day", ""))
    except ValueError:
        wanted = None
    return (wanted if wanted in days else (days[0] if days else None)), days


@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    where = WhereForm(request.GET if "centre" in request.GET else None)
    if not where.is_valid():
        return page(
            request,
            "appointment_where.html",
            {"form": where},
            status=400 if where.is_bound else 200,
        )
    place = centre(where.cleaned_data["centre"])
    assert place is not None
    day, days = _day(request, place)
    free = slots(place, day, now=clock.now()) if day else []
    identity = auth.current(request)
    initial = {}
    if identity is not None:
        person = identity.person
        initial = {"name": person.name, "phone": person.phone, "email": person.email}
    form = WhenForm(request.POST if request.method == "POST" else None, slots=free, initial=initial)
    error = ""
    if request.method == "POST" and rate_limited(request, "portal-book"):
        error = refusal("rate_limited")
    elif request.method == "POST" and form.is_valid():
        try:
            appointment, secret = appointment_book(
                centre_id=place.id,
                starts_at=form.starts(),
                purpose=where.cleaned_data["purpose"],
                name=form.cleaned_data["name"],
                phone=form.cleaned_data["phone"],
                email=form.cleaned_data["email"],
                identity=identity,
                language=get_language() or "da",
                now=clock.now(),
                ip=client_ip(request),
            )
        except StaffRefused as exc:
            error = refusal(exc.reason, default="appointment_refused")
        else:
            return redirect(_manage_url(appointment, secret))
    context = {
        "form": form,
        "where": where.cleaned_data,
        "centre": place,
        "purpose": Appointment.Purpose(where.cleaned_data["purpose"]).label,
        "day": day,
        "days": [(d, day_label(d)) for d in days],
        "error": error,
    }
    return page(
        request, "appointment_when.html", context, status=400 if request.method == "POST" else 200
    )


def _manage_url(appointment: Appointment, secret: str) -> str:
    return (
        reverse("portal:appointment", args=[appointment.reference])
        + "?"
        + urlencode({"key": secret})
    )


@require_http_methods(["GET", "POST"])
def appointment(request: HttpRequest, reference: str) -> HttpResponse:
    secret = request.GET.get("key", "") or request.POST.get("key", "")
    found = appointment_by_link(reference, secret)
    if found is None:
        raise Http404
    place = centre(found.centre)
    if place is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "cancel":
                appointment_cancel(
                    reference=reference, secret=secret, now=clock.now(), ip=client_ip(request)
                )
                notice(request, _("Your appointment is cancelled."))
            else:
                moved = request.POST.get("starts_at", "")
                free = {s.starts_at.isoformat(): s.starts_at for s in _free(request, place)}
                if moved not in free:
                    raise StaffRefused("not_a_time")
                appointment_move(
                    reference=reference,
                    secret=secret,
                    starts_at=free[moved],
                    now=clock.now(),
                    ip=client_ip(request),
                )
                notice(request, _("Your appointment is moved. We have sent you the new time."))
            return redirect(_manage_url(found, secret))
        except StaffRefused as exc:
            error = refusal(exc.reason, default="appointment_refused")
    found.refresh_from_db()
    day, days = _day(request, place)
    context = {
        "appointment": found,
        "centre": place,
        "local": found.starts_at.astimezone(ZONE),
        "key": secret,
        "open": found.status == Appointment.Status.BOOKED and found.starts_at > clock.now(),
        "day": day,
        "days": [(d, day_label(d)) for d in days],
        "times": [
            (s.starts_at.isoformat(), s.starts_at.astimezone(ZONE).strftime("%H:%M"))
            for s in _free(request, place)
        ],
        "error": error,
    }
    return page(request, "appointment.html", context, status=400 if error else 200)


def _free(request: HttpRequest, place: Centre) -> list[Slot]:
    day, _days = _day(request, place)
    return slots(place, day, now=clock.now()) if day else []
