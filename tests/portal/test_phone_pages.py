"""The mobile number on the portal: a citizen sees it and changes it, the app's temporary PIN
code goes to the new one, and the person is told on the one they had."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from segl.audit.models import AuditEvent
from segl.identities.models import Person
from segl.notify.models import OutboxMessage
from tests.app.conftest import emulator, issue_code
from tests.portal.conftest import portal_login

pytestmark = pytest.mark.django_db


def _field(html: str) -> str:
    found = re.search(r"<input[^>]*name=\"phone\"[^>]*>", html)
    assert found is not None
    return found.group(0)


def test_the_overview_leads_to_the_number_and_the_page_shows_it(logged_in, eva):
    assert 'href="/portal/phone/"' in logged_in.get("/portal/").content.decode()
    page = logged_in.get("/portal/phone/")
    html = page.content.decode()
    assert page.status_code == 200
    assert eva.identity.person.phone in html
    assert '<label class="label" for="id_phone">Mobile number</label>' in html
    assert 'aria-describedby="id_phone-hint"' in _field(html)
    assert 'autocomplete="tel"' in _field(html)


def test_a_new_number_is_kept_in_international_form_and_the_old_one_is_told(logged_in, eva):
    old = eva.identity.person.phone
    changed = logged_in.post("/portal/phone/", {"phone": "12 34 56 78"})
    assert changed.status_code == 302 and changed["Location"] == "/portal/"
    assert Person.objects.get(pk=eva.identity.person.pk).phone == "+4512345678"
    assert "Your mobile number has been changed." in logged_in.get("/portal/").content.decode()
    told = OutboxMessage.objects.get(purpose="phone_changed", channel="sms")
    assert told.to == old
    assert AuditEvent.objects.filter(action="identity.phone", subject=eva.user_id).exists()


def test_the_apps_temporary_pin_code_goes_to_the_new_number(logged_in, eva):
    logged_in.post("/portal/phone/", {"phone": "+299 123456"})
    emulator().start_activation(eva.user_id, issue_code(eva))
    sms = OutboxMessage.objects.get(purpose="temporary_pin")
    assert sms.to == "+299123456"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("", "Enter your mobile number"),
        ("1234", "Enter a mobile number of 8 digits, or + and the country code first"),
        ("+45 12 34 56 7x", "Enter a mobile number of 8 digits, or + and the country code first"),
    ],
)
def test_a_number_that_is_not_one_is_refused_at_the_field(logged_in, eva, typed, error):
    refused = logged_in.post("/portal/phone/", {"phone": typed})
    html = refused.content.decode()
    assert refused.status_code == 400
    assert error in html
    field = _field(html)
    assert 'aria-invalid="true"' in field
    assert 'aria-describedby="id_phone-hint id_phone-error"' in field
    assert re.search(r'<p class="error-message" id="id_phone-error">.*' + re.escape(error), html)
    assert '<a href="#id_phone">' in html  # the error summary leads to the field
    assert Person.objects.get(pk=eva.identity.person.pk).phone == eva.identity.person.phone
    assert not OutboxMessage.objects.filter(purpose="phone_changed").exists()


def test_the_page_speaks_danish(client, eva):
    client.cookies["django_language"] = "da"
    portal_login(client, eva)
    html = client.get("/portal/phone/").content.decode()
    assert "Dit mobilnummer" in html and "Mobilnummer</label>" in html
    refused = client.post("/portal/phone/", {"phone": "1234"}).content.decode()
    assert "Indtast et mobilnummer på 8 cifre" in refused


def test_changing_the_number_needs_a_login_from_the_last_5_minutes(client, eva, clock):
    portal_login(client, eva)
    clock.advance(timedelta(minutes=5, seconds=1))
    page = client.get("/portal/phone/").content.decode()
    assert "Log in again to make this change" in page and 'name="phone"' not in page
    refused = client.post("/portal/phone/", {"phone": "12345678"})
    assert refused.status_code == 403
    assert Person.objects.get(pk=eva.identity.person.pk).phone == eva.identity.person.phone
