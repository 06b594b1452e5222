"""The token endpoint: the code grant only, a failed redemption burns the code (decision 19),
and every token request is an audit event that names no secret. Run on PostgreSQL too."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oauth2_provider.models import AccessToken, Grant

from segl.audit.models import AuditEvent
from segl.oidc.services import rp_add
from tests.conftest import REDIRECT_URI, b64

pytestmark = pytest.mark.django_db


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_events(outcome: str | None = None) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(action="oidc.token")
    return list(events.filter(outcome=outcome) if outcome else events)


def redeemed(driver, code: str, verifier: str) -> bool:
    response = driver.token(code, verifier)
    if response.status_code == 200:
        return True
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    return False


@pytest.mark.parametrize(
    "grant_type",
    [
        "password",
        "client_credentials",
        "refresh_token",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "urn:ietf:params:oauth:grant-type:token-exchange",
        "implicit",
        "openid",
        "",
    ],
)
def test_every_other_grant_type_is_unsupported(client, rp, grant_type):
    data = {"grant_type": grant_type, "username": "anna-1234", "password": "x", "scope": "openid"}
    response = client.post(
        "/o/token/", data, HTTP_AUTHORIZATION=basic(rp.client_id, rp.client_secret)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    assert not AccessToken.objects.exists()
    (event,) = token_events("request")
    assert event.actor == rp.client_id and event.data["error"] == "unsupported_grant_type"


def test_a_device_code_without_a_device_flow_is_unsupported(client, rp):
    data = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code"}
    response = client.post(
        "/o/token/", data, HTTP_AUTHORIZATION=basic(rp.client_id, rp.client_secret)
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"


@pytest.mark.parametrize(
    "name", ["grant_type", "code", "code_verifier", "redirect_uri", "client_id", "scope", "x"]
)
def test_a_nul_character_in_any_token_parameter_is_refused(driver, anna, name):
    result, _, verifier = driver.login(anna)
    code = result["code"][0]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }
    data[name] = data.get(name, "v") + "\x00"
    response = driver.client.post(
        "/o/token/", data, HTTP_AUTHORIZATION=basic(driver.rp.client_id, driver.rp.client_secret)
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "a parameter contains a NUL character",
    }
    (event,) = token_events("nul")
    assert event.data["code"] == "none"


@pytest.mark.parametrize("where", ["basic_id", "basic_secret", "body_id", "body_secret"])
def test_a_nul_character_in_the_client_credentials_is_an_authentication_failure(client, rp, where):
    data = {"grant_type": "authorization_code", "code": "c", "code_verifier": "v" * 43}
    client_id = rp.client_id + ("\x00" if where.endswith("_id") else "")
    secret = rp.client_secret + ("\x00" if where.endswith("_secret") else "")
    if where.startswith("basic"):
        response = client.post("/o/token/", data, HTTP_AUTHORIZATION=basic(client_id, secret))
    else:
        response = client.post(
            "/o/token/", {**data, "client_id": client_id, "client_secret": secret}
        )
    assert response.status_code in (400, 401)
    assert response.json()["error"] in ("invalid_client", "invalid_request")
    assert len(token_events()) == 1


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.dictionaries(
        st.sampled_from(["grant_type", "code", "code_verifier", "redirect_uri", "client_id"]),
        st.text(max_size=60),
    ),
    authenticated=st.booleans(),
)
def test_any_token_request_is_answered_with_an_oauth_error(client, rp, data, authenticated):
    headers = {"HTTP_AUTHORIZATION": basic(rp.client_id, rp.client_secret)} if authenticated else {}
    response = client.post("/o/token/", data, **headers)
    assert response.status_code in (400, 401)
    assert "error" in response.json()


def test_a_wrong_verifier_burns_the_code(driver, anna):
    result, _, verifier = driver.login(anna)
    code = result["code"][0]
    assert not redeemed(driver, code, "w" * 64)
    assert not Grant.objects.exists()
    assert not redeemed(driver, code, verifier)
    assert not AccessToken.objects.exists()
    first, second = token_events()
    assert (first.outcome, first.data["code"]) == ("code_verifier", "burnt")
    assert (second.outcome, second.data["code"]) == ("code_burnt", "dead")
    assert first.subject == anna.user_id and first.actor == driver.rp.client_id


@pytest.mark.parametrize("verifier", ["abc", "a" * 42, "a" * 129, "a" * 42 + "+"])
def test_a_verifier_outside_rfc_7636_is_not_redeemed_even_if_it_matches(driver, anna, verifier):
    """An RP that made its challenge from a three-character verifier gets no token for it."""
    challenge = b64(hashlib.sha256(verifier.encode()).digest())
    result, _, _ = driver.login(anna, code_challenge=challenge)
    assert not redeemed(driver, result["code"][0], verifier)
    assert token_events("code_verifier")


def test_a_missing_verifier_burns_the_code(driver, anna):
    result, _, verifier = driver.login(anna)
    code = result["code"][0]
    response = driver.client.post(
        "/o/token/",
        {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI},
        HTTP_AUTHORIZATION=basic(driver.rp.client_id, driver.rp.client_secret),
    )
    assert response.status_code == 400
    assert not redeemed(driver, code, verifier)


def test_a_wrong_redirect_uri_burns_the_code(driver, anna, db):
    result, _, verifier = driver.login(anna)
    code = result["code"][0]
    response = driver.token(code, verifier, redirect_uri="https://rp.example/other")
    assert response.status_code == 400
    assert not redeemed(driver, code, verifier)
    assert token_events("redirect_uri")[0].data["code"] == "burnt"


def test_a_token_request_without_redirect_uri_is_refused_and_burns_the_code(driver, anna):
    """RFC 6749 §4.1.3: REQUIRED when the authorization request had one, which is always."""
    result, _, verifier = driver.login(anna)
    code = result["code"][0]
    response = driver.client.post(
        "/o/token/",
        {"grant_type": "authorization_code", "code": code, "code_verifier": verifier},
        HTTP_AUTHORIZATION=basic(driver.rp.client_id, driver.rp.client_secret),
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    assert not redeemed(driver, code, verifier)


def test_another_client_presenting_the_code_burns_it(driver, anna):
    result, _, verifier = driver.login(anna)
    code = result["code"][0]
    other, secret = rp_add(name="Other", redirect_uris=[REDIRECT_URI])
    owner = driver.rp.client_id, driver.rp.client_secret
    driver.rp.client_id, driver.rp.client_secret = other.client_id, secret
    assert not redeemed(driver, code, verifier)
    driver.rp.client_id, driver.rp.client_secret = owner
    assert not redeemed(driver, code, verifier)
    event = token_events("code_other_client")[0]
    assert event.actor == other.client_id and event.data["code"] == "burnt"


def test_a_wrong_client_secret_burns_the_code(driver, anna):
    result, _, verifier = driver.login(anna)
    code = result["code"][0]
    secret = driver.rp.client_secret
    driver.rp.client_secret = "not the secret"
    assert driver.token(code, verifier).status_code == 401
    driver.rp.client_secret = secret
    assert not redeemed(driver, code, verifier)
    assert token_events("client")[0].data["code"] == "burnt"


def test_a_failed_attempt_after_redemption_revokes_the_tokens(driver, anna):
    result, _, verifier = driver.login(anna)
    code = result["code"][0]
    access = driver.token(code, verifier).json()["access_token"]
    assert not redeemed(driver, code, "w" * 64)
    assert not AccessToken.objects.exists()
    userinfo = driver.client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert userinfo.status_code == 401
    event = token_events("code_used")[0]
    assert event.data["code"] == "used" and event.data["tokens_revoked"] == 1


def test_an_expired_code_is_refused_and_audited(driver, anna):
    result, _, verifier = driver.login(anna)
    Grant.objects.update(expires=timezone.now() - timedelta(seconds=1))
    assert not redeemed(driver, result["code"][0], verifier)
    assert token_events("code_expired")[0].data["code"] == "burnt"


def test_an_unknown_code_and_an_unknown_client_are_audited(client, rp, driver):
    assert not redeemed(driver, "no-such-code", "v" * 43)
    response = client.post(
        "/o/token/",
        {"grant_type": "authorization_code", "code": "c", "code_verifier": "v" * 43},
        HTTP_AUTHORIZATION=basic("nobody", "nothing"),
    )
    assert response.status_code == 401
    unknown, nobody = token_events()
    assert (unknown.outcome, unknown.data["code"]) == ("code_unknown", "unknown")
    assert (nobody.outcome, nobody.actor) == ("client", "nobody")


def test_issuing_a_token_is_audited_without_secrets(driver, anna):
    result, _, verifier = driver.login(anna)
    code = result["code"][0]
    tokens = driver.token(code, verifier).json()
    (issued,) = token_events("issued")
    assert issued.actor == driver.rp.client_id and issued.subject == anna.user_id
    assert issued.data["acr"].endswith("/Substantial") and issued.data["flow"]
    driver.token(code, "w" * 64)
    secrets = [code, verifier, driver.rp.client_secret, tokens["access_token"], tokens["id_token"]]
    for event in AuditEvent.objects.all():
        text = json.dumps([event.actor, event.subject, event.outcome, event.data])
        assert not any(secret in text for secret in secrets), event
