"""Appointments at a citizen service centre: opening hours, seats, the link to change them, the
confirmation and the reminder."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection

from segl.centres.appointments import (
    appointment_book,
    appointment_by_link,
    appointment_cancel,
    appointment_move,
    appointments_remind,
    slots,
)
from segl.centres.models import Appointment
from segl.centres.registry import ZONE, centre
from segl.centres.staff import StaffRefused
from segl.notify.models import OutboxMessage

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=ZONE)  # a Tuesday morning
AT = datetime(2026, 12, 2, 10, 20, tzinfo=ZONE)  # Wednesday at 10:20, a time at Nørrebro
NORREBRO = "kbh-norrebro"  # two desks


def book(at=AT, phone="+4520000101", **extra):
    fields = {
        "centre_id": NORREBRO,
        "starts_at": at,
        "purpose": "device",
        "name": "Bo Berg",
        "phone": phone,
        "now": NOW,
        **extra,
    }
    return appointment_book(**fields)


def sms_to(number):
    return list(OutboxMessage.objects.filter(to=number).order_by("pk"))


@pytest.mark.django_db
def test_a_time_has_a_seat_per_desk_and_then_is_taken():
    place = centre(NORREBRO)
    assert place is not None and place.desks == 2
    assert [s.free for s in slots(place, AT.date(), now=NOW) if s.starts_at == AT] == [2]
    first, _ = book(phone="+4520000101")
    second, _ = book(phone="+4520000102")
    assert {first.seat, second.seat} == {1, 2}
    assert AT not in [s.starts_at for s in slots(place, AT.date(), now=NOW)]
    with pytest.raises(StaffRefused, match="slot_taken"):
        book(phone="+4520000103")
    assert Appointment.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("at", "reason"),
    [
        (datetime(2026, 12, 2, 10, 25, tzinfo=ZONE), "not_a_time"),  # between two times
        (datetime(2026, 12, 5, 10, 20, tzinfo=ZONE), "not_a_time"),  # a Saturday
        (datetime(2026, 12, 24, 10, 20, tzinfo=ZONE), "not_a_time"),  # Christmas Eve
        (datetime(2026, 12, 25, 10, 20, tzinfo=ZONE), "not_a_time"),  # Christmas Day
        (datetime(2026, 12, 1, 7, 40, tzinfo=ZONE), "not_a_time"),  # before opening, and past
        (datetime(2027, 3, 2, 10, 20, tzinfo=ZONE), "too_far_ahead"),
    ],
)
def test_only_a_time_the_centre_offers_can_be_booked(at, reason):
    with pytest.raises(StaffRefused, match=reason):
        book(at=at)
    assert not Appointment.objects.exists()


@pytest.mark.django_db
def test_the_confirmation_carries_a_link_that_changes_only_this_appointment():
    appointment, secret = book()
    (confirmation,) = sms_to("+4520000101")
    assert (
        "onsdag 02.12.2026 kl. 10:20" in confirmation.text
        and appointment.reference in confirmation.text
    )
    link = urlsplit(confirmation.text.split("Skift eller aflys: ")[1])
    assert parse_qs(link.query)["key"] == [secret]
    assert appointment.secret_hash != secret
    assert appointment_by_link(appointment.reference, "not the key") is None
    with pytest.raises(StaffRefused):
        appointment_cancel(reference=appointment.reference, secret="not the key", now=NOW)
    later = AT + timedelta(minutes=40)
    moved = appointment_move(
        reference=appointment.reference, secret=secret, starts_at=later, now=NOW
    )
    assert moved.starts_at == later and Appointment.objects.get().status == "booked"
    assert "flyttet" in sms_to("+4520000101")[-1].text
    appointment_cancel(reference=appointment.reference, secret=secret, now=NOW)
    assert Appointment.objects.get().status == "cancelled"
    assert slots(centre(NORREBRO), AT.date(), now=NOW)[0].free == 2


@pytest.mark.django_db
def test_a_move_to_a_full_time_keeps_the_old_one():
    appointment, secret = book(phone="+4520000101")
    later = AT + timedelta(minutes=20)
    book(at=later, phone="+4520000102")
    book(at=later, phone="+4520000103")
    with pytest.raises(StaffRefused, match="slot_taken"):
        appointment_move(reference=appointment.reference, secret=secret, starts_at=later, now=NOW)
    appointment.refresh_from_db()
    assert (appointment.starts_at, appointment.status) == (AT, "booked")


@pytest.mark.django_db
def test_one_contact_holds_at_most_two_appointments():
    book(at=AT)
    book(at=AT + timedelta(minutes=20))
    with pytest.raises(StaffRefused, match="too_many_appointments"):
        book(at=AT + timedelta(minutes=40))
    with pytest.raises(StaffRefused, match="contact"):
        book(phone="", email="")


@pytest.mark.django_db
def test_a_reminder_goes_once_the_day_before():
    book(email="bo@example.dk", language="en")
    assert appointments_remind(now=NOW) == 0  # more than a day ahead
    day_before = AT - timedelta(hours=23)
    assert appointments_remind(now=day_before) == 1
    assert appointments_remind(now=day_before + timedelta(minutes=5)) == 0
    reminder = OutboxMessage.objects.filter(to="bo@example.dk").order_by("pk").last()
    assert reminder is not None
    assert (
        "Remember your appointment at Borgerservice Nørrebro on Wednesday 02.12.2026 at 10:20"
        in reminder.text
    )


@pytest.mark.django_db(transaction=True)
def test_simultaneous_bookings_never_take_a_seat_twice():
    """Eight people book the same time at once; the centre has two desks: two get it."""
    results: list[str] = []
    start = threading.Barrier(8)

    def one(n: int) -> None:
        try:
            start.wait(10)
            book(phone=f"+45200002{n:02d}")
            results.append("booked")
        except StaffRefused as exc:
            results.append(exc.reason)
        except Exception as exc:
            results.append(type(exc).__name__)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results.count("booked") == 2, results
    assert set(results) <= {"booked", "slot_taken"}, results
    seats = list(Appointment.objects.filter(status="booked").values_list("seat", flat=True))
    assert sorted(seats) == [1, 2]


@pytest.mark.django_db
def test_an_e_mail_address_counts_once_however_it_is_written():
    book(at=AT, phone="", email="Bo@Example.dk")
    book(at=AT + timedelta(minutes=20), phone="", email="bo@example.DK")
    with pytest.raises(StaffRefused, match="too_many_appointments"):
        book(at=AT + timedelta(minutes=40), phone="", email="BO@example.dk")
