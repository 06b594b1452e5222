"""How long a portal login lasts, and which change needs a login from the last few minutes.

segl's clock (``segl.clock``, through the ``clock`` fixture) is moved, as a citizen's afternoon
would move it; every request goes through the real pages and sessions.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings

from segl.audit.models import AuditEvent
from segl.config import ConfigError, load
from segl.identities.models import Identity
from segl.portal import auth
from tests.conftest import Clock, log_in_at_segl, make_person
from tests.portal.conftest import portal_login

pytestmark = pytest.mark.django_db


def busy_until_logged_out(client, clock: Clock, every: timedelta) -> timedelta:
    """Use the portal every ``every`` (well inside the idle limit) until the login ends."""
    elapsed = timedelta(0)
    while client.get("/portal/history/").status_code == 200:
        assert elapsed < timedelta(days=1), "the login never ended"
        clock.advance(every)
        elapsed += every
    return elapsed


def test_a_busy_login_ends_an_hour_after_the_login(client, eva, clock):
    assert settings.CONFIG.portal_session_minutes == 60
    portal_login(client, eva)
    ended = busy_until_logged_out(client, clock, timedelta(minutes=10))
    # Still in at 60 minutes (the last request before the end), out at 70.
    assert ended == timedelta(minutes=70)
    response = client.get("/portal/history/")
    assert response.status_code == 302
    assert response["Location"] == "/portal/?next=%2Fportal%2Fhistory%2F"
    assert auth.SESSION not in client.session


def test_the_lifetime_is_configuration(client, eva, clock, config):
    config(portal_session_minutes=20)
    portal_login(client, eva)
    assert busy_until_logged_out(client, clock, timedelta(minutes=5)) == timedelta(minutes=25)


def test_the_lifetime_setting_is_checked_at_start_up():
    base = {"SEGL_ENV": "test"}
    assert load({**base, "SEGL_PORTAL_SESSION_MINUTES": "480"}).portal_session_minutes == 480
    for bad in ("0", "4", "1441", "an hour"):
        with pytest.raises(ConfigError, match="SEGL_PORTAL_SESSION_MINUTES"):
            load({**base, "SEGL_PORTAL_SESSION_MINUTES": bad})


def test_a_login_time_from_the_future_does_not_lengthen_the_login(eva, clock):
    from tests.portal.test_login import request_with_session

    request = request_with_session()
    later = int(clock().timestamp()) + 10 * 3600
    claims = {
        "sub": str(eva.identity.pk),
        "acr": "https://data.gov.dk/concept/core/nsis/Substantial",
    }
    assert auth.sign_in(request, {**claims, "auth_time": later}) is not None
    assert request.session[auth.SESSION]["auth_time"] == int(clock().timestamp())


def test_changing_the_user_id_needs_a_login_from_the_last_5_minutes(client, eva, clock):
    portal_login(client, eva)
    clock.advance(timedelta(minutes=5, seconds=1))
    page = client.get("/portal/user-id/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Log in again to make this change" in html and 'name="user_id"' not in html
    assert 'action="/portal/login/"' in html and 'value="/portal/user-id/"' in html

    refused = client.post("/portal/user-id/", {"user_id": "eva-new"})
    assert refused.status_code == 403
    assert "Log in again to make this change" in refused.content.decode()
    assert Identity.objects.get(pk=eva.identity.pk).user_id == "eva-holm"
    assert not AuditEvent.objects.filter(action__startswith="identity.user_id").exists()


def test_within_5_minutes_of_the_login_the_user_id_can_be_changed(client, eva, clock):
    portal_login(client, eva)
    clock.advance(timedelta(minutes=4, seconds=59))
    assert client.post("/portal/user-id/", {"user_id": "eva-new"}).status_code == 302
    assert Identity.objects.get(pk=eva.identity.pk).user_id == "eva-new"


def test_logging_in_again_leads_back_to_the_change(live_server, transactional_db, client):
    person = make_person("eva-again")
    portal_login(client, person, minutes_ago=30)
    assert "Log in again" in client.get("/portal/user-id/").content.decode()

    start = client.post("/portal/login/", {"next": "/portal/user-id/"})
    login = client.get(start["Location"])["Location"]
    back = log_in_at_segl(client, login, person)
    done = client.get(f"{back.path}?{back.query}")
    assert done.status_code == 302 and done["Location"] == "/portal/user-id/"

    assert 'name="user_id"' in client.get("/portal/user-id/").content.decode()
    assert client.post("/portal/user-id/", {"user_id": "eva-renamed"}).status_code == 302
    assert Identity.objects.get(pk=person.identity.pk).user_id == "eva-renamed"
