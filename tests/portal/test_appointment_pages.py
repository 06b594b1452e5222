"""Booking a time at a citizen service centre on the portal, and the desk's list of the day."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from segl import clock as segl_clock
from segl.centres.models import Appointment
from segl.centres.registry import ZONE
from segl.notify.models import OutboxMessage
from tests.desk.conftest import desk_login
from tests.portal.conftest import portal_login

MONDAY_MORNING = datetime(2026, 12, 7, 7, 0, tzinfo=ZONE)


@pytest.fixture
def monday(clock):
    segl_clock.move(MONDAY_MORNING - segl_clock.now())
    return clock


def times(page: str) -> list[str]:
    return re.findall(r'name="starts_at" value="([^"]+)"', page)


def test_book_without_logging_in_then_cancel_with_the_link(client, monday, db):
    first = client.get("/portal/appointments/")
    assert first.status_code == 200 and b"Book a time at a citizen service centre" in first.content
    query = "?centre=kbh-vesterbro&purpose=device"
    page = client.get("/portal/appointments/" + query).content.decode()
    offered = times(page)
    assert offered[0] == "2026-12-07T10:00:00+01:00" and "2026-12-07T16:40:00+01:00" in offered
    missing = client.post(
        "/portal/appointments/" + query, {"starts_at": offered[0], "name": "Bo Berg"}
    )
    assert (
        missing.status_code == 400
        and b"Give a mobile number or an e-mail address" in missing.content
    )
    booked = client.post(
        "/portal/appointments/" + query,
        {"starts_at": offered[0], "name": "Bo Berg", "phone": "20 00 01 01", "day": "2026-12-07"},
    )
    assert booked.status_code == 302
    manage = client.get(booked["Location"]).content.decode()
    assert "Borgerservice Vesterbro" in manage and "10:00" in manage
    appointment = Appointment.objects.get()
    assert appointment.phone == "+4520000101" and appointment.identity is None
    assert OutboxMessage.objects.filter(to="+4520000101", purpose="appointment_booked").exists()
    assert client.get(f"/portal/appointments/{appointment.reference}/?key=wrong").status_code == 404
    key = booked["Location"].split("key=")[1]
    cancelled = client.post(
        f"/portal/appointments/{appointment.reference}/", {"key": key, "action": "cancel"}
    )
    assert cancelled.status_code == 302
    assert Appointment.objects.get().status == "cancelled"


def test_a_time_that_was_not_offered_is_refused(client, monday, db):
    query = "?centre=kbh-vesterbro&purpose=app"
    response = client.post(
        "/portal/appointments/" + query,
        {"starts_at": "2026-12-07T10:05:00+01:00", "name": "Bo", "phone": "20000101"},
    )
    assert response.status_code == 400 and b"Choose one of the times shown" in response.content
    assert not Appointment.objects.exists()


def test_a_logged_in_citizen_books_in_their_name_and_the_desk_serves_them(
    client, eva, monday, staff
):
    portal_login(client, eva)
    query = "?centre=kbh-vesterbro&purpose=pickup&day=2026-12-07"
    page = client.get("/portal/appointments/" + query).content.decode()
    assert 'value="eva@example.dk"' in page
    slot = times(page)[1]
    response = client.post(
        "/portal/appointments/" + query,
        {"starts_at": slot, "name": "Eva Holm", "email": "eva@example.dk", "day": "2026-12-07"},
    )
    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.identity == eva.identity

    desk = desk_login(staff.operator)
    home = desk.get("/desk/").content.decode()
    assert "Eva Holm" in home and "10:20" in home and "Pick up an order" in home
    other_centre = desk_login(staff.elsewhere).get("/desk/").content.decode()
    assert "Eva Holm" not in other_centre
    served = desk.post(
        "/desk/visits/", {"cpr": eva.identity.person.cpr, "appointment": appointment.pk}
    )
    assert served.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == "attended"
