"""Appointments at a citizen service centre (issue 12): booked from the self-service portal with
or without logging in, confirmed and reminded by SMS and e-mail, cancelled or moved with the
link in the confirmation. A time has as many seats as the centre has desks; the database refuses
a seat booked twice, so two bookings at the same moment cannot both take the last one."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.urls import reverse

from segl.audit.services import audit_record
from segl.identities.models import Identity
from segl.identities.services import IdentityError, normalise_email, normalise_phone
from segl.notify.gateways import send_email, send_sms

from .models import Appointment
from .registry import ZONE, Centre, centre, day_bounds
from .staff import StaffRefused

BOOK_AHEAD_DAYS = 60
OPEN_PER_CONTACT = 2  # future appointments one phone number or e-mail address may hold
REMIND_HOURS = 24
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
WEEKDAYS = (
    ("mandag", "Monday"),
    ("tirsdag", "Tuesday"),
    ("onsdag", "Wednesday"),
    ("torsdag", "Thursday"),
    ("fredag", "Friday"),
    ("lørdag", "Saturday"),
    ("søndag", "Sunday"),
)


@dataclass(frozen=True)
class Slot:
    starts_at: datetime
    free: int


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def slots(place: Centre, day: date, *, now: datetime) -> list[Slot]:
    """The times on ``day`` still ahead, with the seats left at each."""
    start, end = day_bounds(day)
    taken = dict(
        Appointment.objects.filter(
            centre=place.id,
            status=Appointment.Status.BOOKED,
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .values_list("starts_at")
        .annotate(n=Count("pk"))
    )
    return [
        Slot(at, place.desks - taken.get(at, 0))
        for at in place.slots(day)
        if at > now and place.desks - taken.get(at, 0) > 0
    ]


def bookable_days(place: Centre, *, now: datetime, count: int = 10) -> list[date]:
    """The next ``count`` days with a free time."""
    day, found = now.astimezone(ZONE).date(), list[date]()
    last = day + timedelta(days=BOOK_AHEAD_DAYS)
    while day <= last and len(found) < count:
        if slots(place, day, now=now):
            found.append(day)
        day += timedelta(days=1)
    return found


def _contact(phone: str, email: str) -> tuple[str, str]:
    try:
        phone = normalise_phone(phone) if phone.strip() else ""
    except IdentityError:
        raise StaffRefused("phone") from None
    try:
        # One mailbox, however its name is written: the limit per contact counts it once.
        email = normalise_email(email).lower() if email.strip() else ""
    except IdentityError:
        raise StaffRefused("email") from None
    if not phone and not email:
        raise StaffRefused("contact")
    return phone, email


def _check_time(place: Centre, starts_at: datetime, now: datetime) -> None:
    if not place.is_slot(starts_at) or starts_at <= now:
        raise StaffRefused("not_a_time")
    if starts_at > now + timedelta(days=BOOK_AHEAD_DAYS):
        raise StaffRefused("too_far_ahead")


def _take_seat(appointment: Appointment, place: Centre) -> None:
    """Save ``appointment`` in the first free seat of its time, or refuse: the time is taken."""
    for seat in range(1, place.desks + 1):
        appointment.seat = seat
        try:
            with transaction.atomic():
                appointment.save()
            return
        except IntegrityError:
            continue
    raise StaffRefused("slot_taken")


def appointment_book(
    *,
    centre_id: str,
    starts_at: datetime,
    purpose: str,
    name: str,
    phone: str = "",
    email: str = "",
    identity: Identity | None = None,
    language: str = "da",
    now: datetime,
    ip: str = "",
) -> tuple[Appointment, str]:
    """Book a time; returns it and the secret of its link (sent, never kept in clear)."""
    place = centre(centre_id)
    if place is None:
        raise StaffRefused("unknown_centre")
    if purpose not in Appointment.Purpose.values:
        raise StaffRefused("purpose")
    name = " ".join(name.split())
    if not 1 <= len(name) <= 200:
        raise StaffRefused("name")
    phone, email = _contact(phone, email)
    _check_time(place, starts_at, now)
    secret = secrets.token_urlsafe(24)
    appointment = Appointment(
        reference="".join(secrets.choice(_ALPHABET) for _ in range(8)),
        secret_hash=_hash(secret),
        centre=place.id,
        starts_at=starts_at,
        purpose=purpose,
        name=name,
        phone=phone,
        email=email,
        language="en" if language == "en" else "da",
        identity=identity,
        created_at=now,
        updated_at=now,
    )
    with transaction.atomic():
        ahead = Appointment.objects.filter(status=Appointment.Status.BOOKED, starts_at__gt=now)
        if (phone and ahead.filter(phone=phone).count() >= OPEN_PER_CONTACT) or (
            email and ahead.filter(email=email).count() >= OPEN_PER_CONTACT
        ):
            raise StaffRefused("too_many_appointments")
        _take_seat(appointment, place)
        audit_record(
            action="appointment.book",
            actor=identity.user_id if identity else "",
            subject=appointment.reference,
            ip=ip,
            data={"centre": place.id, "at": starts_at.isoformat(), "purpose": purpose},
            at=now,
        )
        _tell(appointment, place, "booked", now, secret)
    return appointment, secret


def appointment_by_link(reference: str, secret: str) -> Appointment | None:
    found = Appointment.objects.filter(reference=reference.upper()).first()
    if found is None or not hmac.compare_digest(found.secret_hash, _hash(secret)):
        return None
    return found


def appointment_cancel(*, reference: str, secret: str, now: datetime, ip: str = "") -> Appointment:
    with transaction.atomic():
        found = appointment_by_link(reference, secret)
        if found is None or found.status != Appointment.Status.BOOKED or found.starts_at <= now:
            raise StaffRefused("not_found")
        Appointment.objects.filter(pk=found.pk).update(
            status=Appointment.Status.CANCELLED, updated_at=now
        )
        audit_record(action="appointment.cancel", subject=found.reference, ip=ip, at=now)
        place = centre(found.centre)
        if place is not None:
            _tell(found, place, "cancelled", now, "")
    found.refresh_from_db()
    return found


def appointment_move(
    *, reference: str, secret: str, starts_at: datetime, now: datetime, ip: str = ""
) -> Appointment:
    """Another time at the same centre: the new seat is taken before the old one is let go."""
    with transaction.atomic():
        found = appointment_by_link(reference, secret)
        if found is None or found.status != Appointment.Status.BOOKED or found.starts_at <= now:
            raise StaffRefused("not_found")
        place = centre(found.centre)
        if place is None:
            raise StaffRefused("unknown_centre")
        _check_time(place, starts_at, now)
        Appointment.objects.filter(pk=found.pk).update(status=Appointment.Status.CANCELLED)
        found.status, found.starts_at, found.updated_at = Appointment.Status.BOOKED, starts_at, now
        found.reminded_at = None
        _take_seat(found, place)
        audit_record(
            action="appointment.move",
            subject=found.reference,
            ip=ip,
            data={"at": starts_at.isoformat()},
            at=now,
        )
        _tell(found, place, "moved", now, secret)
    return found


def appointments_remind(*, now: datetime) -> int:
    """Remind everyone whose appointment starts within a day, once; returns how many."""
    due = Appointment.objects.filter(
        status=Appointment.Status.BOOKED,
        reminded_at=None,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(hours=REMIND_HOURS),
    )
    sent = 0
    for appointment in due.order_by("starts_at"):
        with transaction.atomic():
            if not Appointment.objects.filter(pk=appointment.pk, reminded_at=None).update(
                reminded_at=now
            ):
                continue  # another reminder run took it
            place = centre(appointment.centre)
            if place is not None:
                _tell(appointment, place, "reminder", now, "")
                sent += 1
    return sent


def appointments_on(centre_id: str, day: date) -> list[Appointment]:
    start, end = day_bounds(day)
    return list(
        Appointment.objects.filter(
            centre=centre_id,
            status__in=[Appointment.Status.BOOKED, Appointment.Status.ATTENDED],
            starts_at__gte=start,
            starts_at__lt=end,
        )
        .select_related("identity__person")
        .order_by("starts_at", "seat")
    )


def change_url(appointment: Appointment, secret: str) -> str:
    path = reverse("portal:appointment", args=[appointment.reference])
    return f"{settings.CONFIG.base_url.rstrip('/')}{path}?key={secret}"


TEXTS = {
    "booked": (
        "segl: Din tid i {centre} er {day_da} {date} kl. {time} (ref. {ref}). Medbring gyldig "
        "billedlegitimation. Skift eller aflys: {link}",
        "segl: Your appointment at {centre} is on {day_en} {date} at {time} (ref. {ref}). Bring "
        "valid photo ID. Change or cancel: {link}",
    ),
    "moved": (
        "segl: Din tid i {centre} er flyttet til {day_da} {date} kl. {time} (ref. {ref}). "
        "Skift eller aflys: {link}",
        "segl: Your appointment at {centre} is moved to {day_en} {date} at {time} (ref. {ref}). "
        "Change or cancel: {link}",
    ),
    "reminder": (
        "segl: Husk din tid i {centre} {day_da} {date} kl. {time} (ref. {ref}), {address}. "
        "Medbring gyldig billedlegitimation.",
        "segl: Remember your appointment at {centre} on {day_en} {date} at {time} (ref. {ref}), "
        "{address}. Bring valid photo ID.",
    ),
    "cancelled": (
        "segl: Din tid i {centre} {day_da} {date} kl. {time} er aflyst (ref. {ref}).",
        "segl: Your appointment at {centre} on {day_en} {date} at {time} is cancelled "
        "(ref. {ref}).",
    ),
}


def _tell(appointment: Appointment, place: Centre, what: str, now: datetime, secret: str) -> None:
    """By SMS in the language the citizen chose; by e-mail in Danish and English."""
    local = appointment.starts_at.astimezone(ZONE)
    values = {
        "centre": place.name,
        "address": place.address,
        "day_da": WEEKDAYS[local.weekday()][0],
        "day_en": WEEKDAYS[local.weekday()][1],
        "date": local.strftime("%d.%m.%Y"),
        "time": local.strftime("%H:%M"),
        "ref": appointment.reference,
        "link": change_url(appointment, secret) if secret else "",
    }
    da, en = (text.format(**values) for text in TEXTS[what])
    purpose = f"appointment_{what}"
    until = appointment.starts_at if secret else None
    if appointment.phone:
        text = en if appointment.language == "en" else da
        send_sms(to=appointment.phone, text=text, purpose=purpose, now=now, secret_until=until)
    if appointment.email:
        mail = f"{da.removeprefix('segl: ')}\n\n{en.removeprefix('segl: ')}"
        send_email(to=appointment.email, text=mail, purpose=purpose, now=now, secret_until=until)
