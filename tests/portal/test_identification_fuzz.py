"""Fuzzing the portal's order and activation forms, which identify by CPR number and passport
number: any text in any field (other scripts, controls, NUL, very long; surrogates as far as a
client can send them: as bytes that are not UTF-8) is answered without a server error, and a
known and an unknown CPR number get the same pages, try after try."""

from __future__ import annotations

import html
import re
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segl import clock as segl_clock
from segl.core.identification import normalise_passport_number
from segl.orders.models import IdentificationThrottle
from tests.portal.conftest import english

pytestmark = pytest.mark.django_db

ORDER, ACTIVATE = "/portal/order/", "/portal/activate/device/"
KNOWN_PASSPORT = "206123456"
UNKNOWN_CPR = "0202900000"

fuzzing = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# What a browser or a script can put in a form field: every category but lone surrogates (which
# no client can encode as UTF-8; see the raw bodies below), NUL and controls included.
typed = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
    st.sampled_from(["", " ", "\x00", "0101901234\x00", "\u202e", "\ufeff", "0" * 10_000]),
    st.builds(lambda c, n: c * n, st.characters(exclude_categories=("Cs",)), st.integers(1, 5000)),
)
ORDER_FIELDS = [
    "kind",
    "identify",
    "cpr",
    "passport",
    "delivery",
    "centre",
    "recipient",
    "address",
    "country",
]
ACTIVATE_FIELDS = ["cpr", "passport", "new_password", "confirm_password", "serial", "code"]


def order_form(cpr: str, passport: str) -> dict[str, str]:
    return {
        "kind": "code_display",
        "identify": "passport",
        "delivery": "pickup",
        "centre": "aarhus",
        "cpr": cpr,
        "passport": passport,
    }


def activate_form(cpr: str, passport: str) -> dict[str, str]:
    password = "a long and private passphrase"
    return {
        "cpr": cpr,
        "passport": passport,
        "new_password": password,
        "confirm_password": password,
        "serial": "CD0000000001",
        "code": "123456",
    }


FORMS = {ORDER: order_form, ACTIVATE: activate_form}


def as_read(page: bytes, cpr: str) -> str:
    """A page without what differs by nature: the CPR number as typed, and form tokens."""
    text = page.decode().replace(html.escape(cpr), "CPR")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


@pytest.mark.parametrize("url", [ORDER, ACTIVATE])
@fuzzing
@given(data=st.data())
def test_any_text_in_any_field_is_answered_without_a_server_error(eva, url, data):
    fields = ORDER_FIELDS if url == ORDER else ACTIVATE_FIELDS
    # A form that would reach the identification, with any of its fields replaced by anything.
    changed = data.draw(st.dictionaries(st.sampled_from(fields), typed), label="changed")
    post = {**FORMS[url](eva.identity.person.cpr, "99999999"), **changed}
    IdentificationThrottle.objects.all().delete()
    response = english().post(url, post)
    assert response.status_code < 500
    assert response.status_code in (200, 302, 400, 403, 429)


@pytest.mark.parametrize("url", [ORDER, ACTIVATE])
@fuzzing
@given(body=st.lists(st.tuples(st.sampled_from(ACTIVATE_FIELDS), st.binary(max_size=60))))
def test_any_bytes_in_a_form_body_are_answered_without_a_server_error(eva, url, body):
    """Bytes that are not UTF-8 (a lone surrogate encoded, \\xed\\xa0\\x80, among them) are what
    a client can send of surrogates."""
    raw = "&".join(f"{name}={quote_from_bytes(value)}" for name, value in body)
    raw += "&" + "&".join(f"{k}={v}" for k, v in FORMS[url]("0101904321", "%ED%A0%80").items())
    IdentificationThrottle.objects.all().delete()
    response = english().post(url, raw, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500


@pytest.mark.parametrize("url", [ORDER, ACTIVATE])
@fuzzing
@given(passport=typed, spaced=st.booleans())
def test_a_known_and_an_unknown_cpr_number_get_the_same_pages(eva, url, passport, spaced):
    if normalise_passport_number(passport) == KNOWN_PASSPORT.encode():
        passport += "0"  # the right one identifies, as it should; this test is about the rest
    segl_clock.freeze()  # a lock's "Wait until 10:15" must not tick over between the two
    known = eva.identity.person.cpr
    cprs = (f"{known[:6]}-{known[6:]}", f"{UNKNOWN_CPR[:6]}-{UNKNOWN_CPR[6:]}")
    if not spaced:
        cprs = (known, UNKNOWN_CPR)
    pages = []
    for cpr in cprs:
        IdentificationThrottle.objects.all().delete()
        browser = english()
        tries = [browser.post(url, FORMS[url](cpr, passport)) for _ in range(4)]
        pages.append([(r.status_code, as_read(r.content, cpr)) for r in tries])
    known_pages, unknown_pages = pages
    assert known_pages == unknown_pages
    assert all(status < 500 for status, _ in known_pages)
