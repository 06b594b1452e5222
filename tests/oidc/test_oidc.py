"""The OpenID Connect provider: PKCE, redirect URIs, codes, claims, acr_values, prompt."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, Grant
from oauthlib.oauth2.rfc6749 import errors

from segl.audit.models import AuditEvent
from segl.flows.models import Flow
from tests.conftest import ISSUER

pytestmark = pytest.mark.django_db


def query(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query)


def test_discovery_names_segl_endpoints_and_s256_only(client):
    data = client.get("/o/.well-known/openid-configuration").json()
    assert data["issuer"] == ISSUER
    assert data["authorization_endpoint"].endswith("/o/authorize/")
    assert data["token_endpoint"].endswith("/o/token/")
    assert data["code_challenge_methods_supported"] == ["S256"]
    assert data["response_types_supported"] == ["code"]
    assert "acr" in data["claims_supported"] and "amr" in data["claims_supported"]
    assert set(data["acr_values_supported"]) == {
        "https://data.gov.dk/concept/core/nsis/Low",
        "https://data.gov.dk/concept/core/nsis/Substantial",
        "https://data.gov.dk/concept/core/nsis/High",
    }
    keys = client.get("/o/.well-known/jwks.json").json()["keys"]
    assert keys and keys[0]["kty"] == "RSA"


def test_pkce_is_required(client, rp):
    params, _ = rp.authorize_params(code_challenge=None, code_challenge_method=None)
    response = client.get("/o/authorize/?" + urlencode(params))
    assert response.status_code == 302
    assert query(response["Location"])["error"] == ["invalid_request"]
    assert not Flow.objects.exists()


def test_pkce_plain_is_refused(client, rp):
    params, verifier = rp.authorize_params(code_challenge_method="plain")
    params["code_challenge"] = verifier
    response = client.get("/o/authorize/?" + urlencode(params))
    assert response.status_code == 302
    assert query(response["Location"])["error"] == ["invalid_request"]
    assert not Flow.objects.exists()


def test_wrong_code_verifier_is_refused(driver, anna):
    result, _, _ = driver.login(anna)
    response = driver.token(result["code"][0], "x" * 64)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


@pytest.mark.parametrize(
    "variant",
    [
        "https://rp.example/callback/",
        "https://rp.example/callback?x=1",
        "https://rp.example/Callback",
        "https://RP.example/callback",
        "http://rp.example/callback",
        "https://rp.example:8443/callback",
        "https://rp.example.evil.test/callback",
        "https://evil.test/callback",
        "https://rp.example/callback#frag",
        "https://rp.example/callback/../callback",
    ],
)
def test_redirect_uri_must_match_exactly(client, rp, variant):
    params, _ = rp.authorize_params(redirect_uri=variant)
    response = client.get("/o/authorize/?" + urlencode(params))
    # Never redirected to an unregistered address: an error page instead.
    assert response.status_code == 400
    assert not Flow.objects.exists()


def test_unknown_client_gets_an_error_page(client, rp):
    params, _ = rp.authorize_params(client_id="nobody")
    response = client.get("/o/authorize/?" + urlencode(params))
    assert response.status_code == 400
    assert b"not registered" in response.content


def test_code_is_single_use_and_reuse_revokes_the_tokens(driver, anna):
    result, _, verifier = driver.login(anna)
    code = result["code"][0]
    first = driver.token(code, verifier)
    assert first.status_code == 200
    assert "refresh_token" not in first.json()
    access = first.json()["access_token"]
    userinfo = driver.client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert userinfo.status_code == 200
    second = driver.token(code, verifier)
    assert second.status_code == 400 and second.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()
    userinfo = driver.client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert userinfo.status_code == 401
    reuse = AuditEvent.objects.get(action="oidc.token", outcome="code_used")
    assert reuse.data["code"] == "used" and reuse.data["tokens_revoked"] == 1


def test_code_expires_after_60_seconds(driver, anna):
    result, _, verifier = driver.login(anna)
    Grant.objects.update(expires=timezone.now() - timedelta(seconds=1))
    response = driver.token(result["code"][0], verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_code_lifetime_is_at_most_60_seconds(driver, anna):
    driver.login(anna)
    grant = Grant.objects.get()
    assert grant.expires - grant.created <= timedelta(seconds=61)


def test_code_is_bound_to_its_client(driver, anna, db):
    from segl.oidc.services import rp_add
    from tests.conftest import REDIRECT_URI

    result, _, verifier = driver.login(anna)
    other, secret = rp_add(name="Other", redirect_uris=[REDIRECT_URI])
    driver.rp.client_id, driver.rp.client_secret = other.client_id, secret
    response = driver.token(result["code"][0], verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


def test_approval_text_and_action_reach_the_id_token(driver, anna):
    text = "Transfer 1,250.00 DKK to account 1234-567890 — æøå"
    result, _, verifier = driver.login(anna, approval_text=text, action="approve")
    claims = driver.verified_claims(driver.token(result["code"][0], verifier).json()["id_token"])
    assert claims["segl_approval_sha256"] == hashlib.sha256(text.encode()).hexdigest()
    assert claims["segl_action"] == "approve"


def test_approval_text_of_130_characters_is_accepted(driver, anna):
    driver.start(approval_text="x" * 130)
    assert Flow.objects.get().approval_text == "x" * 130


def test_approval_text_over_130_characters_is_refused(client, rp):
    params, _ = rp.authorize_params(approval_text="x" * 131)
    response = client.get("/o/authorize/?" + urlencode(params))
    assert response.status_code == 302
    q = query(response["Location"])
    assert q["error"] == ["invalid_request"] and "130" in q["error_description"][0]
    assert q["state"] == [params["state"]]
    assert not Flow.objects.exists()


def test_unknown_action_is_refused(client, rp):
    params, _ = rp.authorize_params(action="transfer_everything")
    response = client.get("/o/authorize/?" + urlencode(params))
    assert query(response["Location"])["error"] == ["invalid_request"]


def test_acr_values_above_every_method_fail_cleanly(driver, anna, monkeypatch):
    """Were no kind able to reach High (the app and the chip are, when bound after a proofing
    at High)."""
    from segl.app.kind import AppKind
    from segl.authenticators.registry import KINDS
    from segl.chip.kind import ChipKind
    from segl.core.assurance import Level

    monkeypatch.setitem(KINDS, "app", AppKind(level=Level.SUBSTANTIAL))
    monkeypatch.setitem(KINDS, "chip", ChipKind(level=Level.SUBSTANTIAL))
    url, params, _ = driver.start(acr_values="https://data.gov.dk/concept/core/nsis/High")
    driver.user_id(url, anna.user_id)
    page = driver.client.get(url).content.decode()
    assert "higher level" in page or "højere" in page
    result = driver.finish(url)
    assert result["error"] == ["access_denied"]
    assert result["state"] == [params["state"]]


def test_acr_values_high_offers_the_app_to_everyone_and_a_substantial_segl_cannot_finish(
    driver, anna
):
    """The app is the one kind that can reach High, so a High request offers it to every user
    ID alike (decision 17); anna (Substantial, no app) can only cancel."""
    url, params, _ = driver.start(acr_values="https://data.gov.dk/concept/core/nsis/High")
    driver.user_id(url, anna.user_id)
    page = driver.client.get(url).content.decode()
    assert "data-app-step" in page
    driver.post(url + "cancel/", {})
    result = driver.finish(url)
    assert result["error"] == ["access_denied"] and result["state"] == [params["state"]]


def test_acr_values_substantial_is_met(driver, anna):
    result, _, verifier = driver.login(
        anna, acr_values="https://data.gov.dk/concept/core/nsis/Substantial"
    )
    claims = driver.verified_claims(driver.token(result["code"][0], verifier).json()["id_token"])
    assert claims["acr"].endswith("/Substantial")


def test_identity_proofed_low_gets_low(driver, db):
    from tests.conftest import make_person

    low = make_person("lowly-1", ial="low")
    result, _, verifier = driver.login(low)
    claims = driver.verified_claims(driver.token(result["code"][0], verifier).json()["id_token"])
    assert claims["acr"].endswith("/Low") and claims["aal"].endswith("/Substantial")


def test_prompt_none_is_login_required(client, rp):
    params, _ = rp.authorize_params(prompt="none")
    response = client.get("/o/authorize/?" + urlencode(params))
    assert response.status_code == 302
    assert query(response["Location"])["error"] == ["login_required"]


def test_prompt_login_and_max_age_authenticate_afresh(driver, anna):
    result, _, verifier = driver.login(anna, prompt="login", max_age="0")
    claims = driver.verified_claims(driver.token(result["code"][0], verifier).json()["id_token"])
    assert claims["auth_time"] >= int(timezone.now().timestamp()) - 30


def test_userinfo_gives_profile_claims(driver, anna):
    result, _, verifier = driver.login(anna)
    access = driver.token(result["code"][0], verifier).json()["access_token"]
    info = driver.client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access}").json()
    assert info["sub"] == str(anna.identity.id)
    assert info["given_name"] == "Test"


def test_client_secret_is_required(driver, anna):
    result, _, verifier = driver.login(anna)
    driver.rp.client_secret = "wrong"
    response = driver.token(result["code"][0], verifier)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("Pay 10 DKK\nto Bo", "U+000A LINE FEED at position 11"),
        ("Pay\x0010 DKK", "NUL character"),
        ("Pay\t10 DKK", "U+0009 CHARACTER TABULATION at position 4"),
    ],
)
def test_approval_text_with_control_characters_is_refused(client, rp, text, said):
    params, _ = rp.authorize_params(approval_text=text)
    response = client.get("/o/authorize/?" + urlencode(params))
    assert response.status_code == 302
    q = query(response["Location"])
    assert q["error"] == ["invalid_request"] and said in q["error_description"][0]
    assert not Flow.objects.exists()


def test_no_code_is_issued_without_a_finished_login(driver, anna):
    """The authorization server itself refuses to issue a code that no segl login stands for."""
    from oauth2_provider.oauth2_backends import get_oauthlib_core

    driver.start()
    flow = Flow.objects.get()
    credentials = {**flow.credentials, "user": anna.identity}
    server = get_oauthlib_core().server
    with pytest.raises(errors.AccessDeniedError):
        server.create_authorization_response(
            uri=flow.authorize_uri, http_method="GET", scopes=flow.scopes, credentials=credentials
        )
    assert not Grant.objects.exists()


def test_a_grant_no_segl_login_stands_for_is_not_redeemed(driver, anna):
    from oauth2_provider.models import Application

    from tests.conftest import b64

    verifier = "v" * 64
    Grant.objects.create(
        application=Application.objects.get(client_id=driver.rp.client_id),
        user=anna.identity,
        code="made-outside-a-login",
        expires=timezone.now() + timedelta(seconds=60),
        redirect_uri=driver.rp.redirect_uri,
        scope="openid profile",
        code_challenge=b64(hashlib.sha256(verifier.encode()).digest()),
        code_challenge_method="S256",
    )
    response = driver.token("made-outside-a-login", verifier)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert not AccessToken.objects.exists()
