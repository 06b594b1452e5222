"""The portal logs in over OpenID Connect at Substantial and keeps only a verified login."""

from __future__ import annotations

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import RequestFactory
from oauth2_provider.models import Application

from segl.core.assurance import Level
from segl.portal import auth
from tests.conftest import log_in_at_segl, make_person

pytestmark = pytest.mark.django_db

PROTECTED = [
    "/portal/password/",
    "/portal/user-id/",
    "/portal/history/",
    "/portal/authenticators/1/",
    "/portal/history/1/not-me/",
]


@pytest.fixture
def server(live_server, transactional_db):
    """segl answering over HTTP: the portal reads its discovery document and redeems codes
    at its token endpoint like any other RP."""
    return live_server


def request_with_session():
    request = RequestFactory().get("/portal/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    return request


def test_the_landing_page_offers_a_login_and_ordering_without_one(client):
    page = client.get("/portal/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Log in with segl" in html
    assert 'href="/portal/order/"' in html
    assert 'href="/portal/activate/"' in html


def test_login_registers_the_portal_and_asks_segl_for_substantial(server, client):
    response = client.post("/portal/login/", {"next": "/portal/history/"})
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.path == "/o/authorize/"
    query = parse_qs(url.query)
    assert query["client_id"] == [auth.CLIENT_ID]
    assert query["acr_values"] == [Level.SUBSTANTIAL.uri]
    assert query["code_challenge_method"] == ["S256"]
    app = Application.objects.get(client_id=auth.CLIENT_ID)
    assert app.redirect_uris == auth.redirect_uri()
    assert client.session[auth.PENDING]["next"] == "/portal/history/"
    # segl's own authorize endpoint takes the request and starts a login flow.
    follow = client.get(response["Location"])
    assert follow.status_code == 302 and follow["Location"].startswith("/login/")


def test_login_does_not_send_the_citizen_anywhere_outside_the_portal(server, client):
    client.post("/portal/login/", {"next": "https://evil.example/portal/"})
    assert client.session[auth.PENDING]["next"] == "/portal/"


def test_a_callback_that_was_not_started_here_is_refused(client):
    response = client.get("/portal/callback/?code=x&state=y")
    assert response.status_code == 400
    assert "not started here" in response.content.decode()


def test_a_callback_with_another_state_is_refused_and_logs_nobody_in(server, client):
    client.post("/portal/login/")
    response = client.get("/portal/callback/?code=x&state=forged&iss=" + auth.client().issuer)
    assert response.status_code == 400
    assert auth.SESSION not in client.session


def test_a_cancelled_login_says_so(server, client):
    client.post("/portal/login/")
    state = client.session[auth.PENDING]["state"]
    response = client.get(
        f"/portal/callback/?error=access_denied&state={state}&iss={auth.client().issuer}"
    )
    assert response.status_code == 400
    assert "cancelled" in response.content.decode()


@pytest.mark.parametrize(
    ("acr", "accepted"),
    [(Level.LOW.uri, False), (Level.SUBSTANTIAL.uri, True), (Level.HIGH.uri, True), ("", False)],
)
def test_only_a_login_at_substantial_or_higher_signs_in(eva, acr, accepted):
    request = request_with_session()
    claims = {"sub": str(eva.identity.pk), "acr": acr, "auth_time": int(time.time())}
    assert (auth.sign_in(request, claims) is not None) is accepted
    assert (auth.SESSION in request.session) is accepted


def test_a_suspended_identity_is_not_signed_in_and_is_signed_out(eva, logged_in):
    request = request_with_session()
    eva.identity.status = "suspended"
    eva.identity.save()
    claims = {"sub": str(eva.identity.pk), "acr": Level.SUBSTANTIAL.uri, "auth_time": 0}
    assert auth.sign_in(request, claims) is None
    assert logged_in.get("/portal/history/").status_code == 302


def test_an_unknown_subject_is_not_signed_in(db):
    request = request_with_session()
    for sub in ("0" * 32, "not-a-uuid"):
        assert auth.sign_in(request, {"sub": sub, "acr": Level.HIGH.uri}) is None


def test_a_login_idle_for_15_minutes_has_ended(logged_in):
    session = logged_in.session
    session[auth.SESSION]["seen"] = int(time.time()) - auth.IDLE_SECONDS - 1
    session.save()
    response = logged_in.get("/portal/history/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/?next=%2Fportal%2Fhistory%2F"


@pytest.mark.parametrize("url", PROTECTED)
def test_pages_about_the_citizen_need_a_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/?next=")


def test_logging_out_ends_the_portal_login(logged_in):
    assert logged_in.get("/portal/").content.decode().count("My segl") >= 1
    response = logged_in.post("/portal/logout/")
    assert response.status_code == 302
    assert "Log in with segl" in logged_in.get("/portal/").content.decode()


def test_a_whole_login_through_segl_ends_logged_in_to_the_portal(server, client):
    person = make_person("eva-live")
    start = client.post("/portal/login/", {"next": "/portal/history/"})
    login = client.get(start["Location"])["Location"]
    back = log_in_at_segl(client, login, person)
    assert back.path == "/portal/callback/"
    done = client.get(f"{back.path}?{back.query}")
    assert done.status_code == 302 and done["Location"] == "/portal/history/"
    assert client.session[auth.SESSION]["identity"] == str(person.identity.pk)
    assert client.session[auth.SESSION]["acr"] == "substantial"
    assert client.get("/portal/history/").status_code == 200
    # The code was redeemed: the same callback again logs nobody in a second time.
    client.post("/portal/logout/")
    again = client.get(f"{back.path}?{back.query}")
    assert again.status_code == 400 and auth.SESSION not in client.session


def test_the_registration_follows_a_new_secret_key_and_address(db, settings, config):
    from django.contrib.auth.hashers import check_password

    auth.ensure_registered()
    settings.SECRET_KEY = "another secret key, as after a rotation, long enough to be used"
    config(base_url="https://id.example")
    auth.ensure_registered()
    app = Application.objects.get(client_id=auth.CLIENT_ID)
    assert check_password(auth.client_secret(), app.client_secret)
    assert app.redirect_uris == "https://id.example/portal/callback/"
    assert Application.objects.filter(client_id=auth.CLIENT_ID).count() == 1
