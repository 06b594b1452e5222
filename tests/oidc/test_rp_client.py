"""segl's own relying parties keep the discovery document and the signing keys between logins,
and fetch the keys again when the issuer signs with a new one. The requests are counted where
they arrive: at the live server."""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings as django_settings
from django.core.signals import request_started

from segl.core.assurance import Level
from segl.demo_rp import views as demo_bank
from segl.oidc import client as rp
from segl.oidc.services import rp_add
from segl.portal import auth
from tests.conftest import log_in_at_segl, make_person

DISCOVERY = "/o/.well-known/openid-configuration"
KEYS = "/o/.well-known/jwks.json"
TOKEN = "/o/token/"


@pytest.fixture
def served(live_server, transactional_db):
    """The paths segl's live server was asked for, from a cold client cache."""
    seen: Counter[str] = Counter()

    def count(sender, environ, **kwargs):
        seen[environ["PATH_INFO"]] += 1

    rp.forget()
    request_started.connect(count, weak=False)
    yield seen
    request_started.disconnect(count)


def log_in_to_the_portal(client, user_id: str) -> None:
    person = make_person(user_id)
    start = client.post("/portal/login/")
    login = client.get(start["Location"])["Location"]
    back = log_in_at_segl(client, login, person)
    done = client.get(f"{back.path}?{back.query}")
    assert done.status_code == 302, done.content.decode()
    assert client.session[auth.SESSION]["identity"] == str(person.identity.pk)
    client.post("/portal/logout/")


def new_signing_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def test_a_second_login_fetches_neither_discovery_nor_keys_again(served, client):
    log_in_to_the_portal(client, "cache-one")
    assert (served[DISCOVERY], served[KEYS], served[TOKEN]) == (1, 1, 1)
    log_in_to_the_portal(client, "cache-two")
    assert (served[DISCOVERY], served[KEYS], served[TOKEN]) == (1, 1, 2)


def test_a_token_signed_with_a_new_key_fetches_the_keys_once_more(served, client, settings):
    log_in_to_the_portal(client, "rotate-one")
    settings.OAUTH2_PROVIDER = {
        **django_settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": new_signing_key(),
    }
    log_in_to_the_portal(client, "rotate-two")
    log_in_to_the_portal(client, "rotate-three")
    assert (served[DISCOVERY], served[KEYS], served[TOKEN]) == (1, 2, 3)


def test_the_demo_bank_checks_the_approved_text_through_the_same_client(served, client):
    rp_add(
        name="Demo Bank",
        client_id=demo_bank.CLIENT_ID,
        client_secret=django_settings.CONFIG.demo_rp_secret,
        redirect_uris=[django_settings.CONFIG.base_url + "/demo-bank/callback/"],
        actor="test",
    )
    person = make_person("bank-approve")
    start = client.post("/demo-bank/start/", {"purpose": "transfer"})
    query = parse_qs(urlsplit(start["Location"]).query)
    assert query["code_challenge_method"] == ["S256"] and query["action"] == ["approve"]
    login = client.get(start["Location"])["Location"]
    back = log_in_at_segl(client, login, person)
    page = client.get(f"{back.path}?{back.query}")
    assert page.status_code == 200, page.content.decode()
    expected = hashlib.sha256(query["approval_text"][0].encode()).hexdigest()
    assert expected in page.content.decode()
    assert (served[DISCOVERY], served[KEYS]) == (1, 1)


def test_a_login_while_segl_cannot_be_reached_says_so(db, client, settings):
    # Nothing listens on the discard port: the discovery document cannot be read.
    settings.CONFIG = dataclasses.replace(settings.CONFIG, base_url="http://127.0.0.1:9")
    rp.forget()
    response = client.post("/portal/login/")
    assert response.status_code == 503
    assert "could not be reached" in response.content.decode()
    assert auth.PENDING not in client.session


def test_an_id_token_below_the_level_asked_for_is_refused(served, client):
    """The authorization request passes through the browser, which can drop ``acr_values``:
    the client checks the ``acr`` it gets against the level it asked for."""
    person = make_person("low-level", ial="low")
    start = urlsplit(client.post("/portal/login/")["Location"])
    query = parse_qs(start.query)
    assert query.pop("acr_values") == [Level.SUBSTANTIAL.uri]
    login = client.get(f"{start.path}?{urlencode(query, doseq=True)}")["Location"]
    back = log_in_at_segl(client, login, person)
    assert "code" in parse_qs(back.query)
    done = client.get(f"{back.path}?{back.query}")
    assert served[TOKEN] == 1  # segl issued an ID token (at Low) ...
    assert done.status_code == 400  # ... which the client refused before the portal saw it
    assert "did not complete" in done.content.decode()
    assert auth.SESSION not in client.session
