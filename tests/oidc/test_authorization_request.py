"""What the authorization endpoint refuses (segl.oidc.authorization), and how: an OAuth error on
the RP's redirect URI once that is trusted, an error page before. Run on PostgreSQL too
(DATABASE_URL), where a NUL character used to reach the database and fail with 500."""

from __future__ import annotations

import hashlib
import json
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segl.flows.models import Flow
from tests.conftest import REDIRECT_URI, b64

pytestmark = pytest.mark.django_db

NSIS = "https://data.gov.dk/concept/core/nsis/"

# Every parameter an RP may send (OAuth, PKCE, OpenID Connect, segl's own) and one it may not.
PARAMETERS = [
    "response_type",
    "scope",
    "state",
    "nonce",
    "code_challenge",
    "code_challenge_method",
    "login_hint",
    "acr_values",
    "prompt",
    "max_age",
    "ui_locales",
    "display",
    "id_token_hint",
    "claims",
    "response_mode",
    "approval_text",
    "action",
    "anything_else",
]


def refused(response, error: str = "invalid_request") -> dict[str, list[str]]:
    """The RP got ``error`` on its redirect URI, with its state; no login started."""
    assert response.status_code == 302, response.content[:300]
    location = response["Location"]
    assert location.startswith(REDIRECT_URI + "?"), location
    answer = parse_qs(urlsplit(location).query)
    assert answer["error"] == [error], answer
    assert not Flow.objects.exists()
    return answer


def error_page(response) -> None:
    """Not redirected anywhere: the redirect URI is not one the RP is known to own."""
    assert response.status_code == 400
    assert not response.has_header("Location")
    assert not Flow.objects.exists()


@pytest.mark.parametrize("name", PARAMETERS)
def test_a_nul_character_in_any_parameter_is_refused(client, rp, name):
    params, _ = rp.authorize_params()
    params[name] = params.get(name, "x") + "\x00"
    answer = refused(client.get("/o/authorize/?" + urlencode(params)))
    assert answer["error_description"] == [f"{name} contains a NUL character"]


def test_a_nul_character_in_a_parameter_name_is_refused(client, rp):
    params, _ = rp.authorize_params()
    params["login\x00hint"] = "anna"
    answer = refused(client.get("/o/authorize/?" + urlencode(params)))
    assert answer["error_description"] == ["a parameter contains a NUL character"]


@pytest.mark.parametrize("name", ["client_id", "redirect_uri"])
def test_a_nul_character_in_the_client_or_redirect_uri_gets_an_error_page(client, rp, name):
    params, _ = rp.authorize_params()
    params[name] += "\x00"
    error_page(client.get("/o/authorize/?" + urlencode(params)))


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=st.sampled_from([*PARAMETERS, "client_id", "redirect_uri"]),
    value=st.text(max_size=80),
)
def test_any_text_in_any_parameter_is_never_a_server_error(client, rp, name, value):
    params, _ = rp.authorize_params()
    params[name] = value
    response = client.get("/o/authorize/?" + urlencode(params))
    assert response.status_code in (302, 400)
    for flow in Flow.objects.all():
        assert "\x00" not in json.dumps(flow.credentials) + flow.login_hint + flow.approval_text
    Flow.objects.all().delete()


def test_a_repeated_parameter_is_refused(client, rp):
    params, _ = rp.authorize_params()
    query = urlencode(params) + "&nonce=again"
    answer = refused(client.get("/o/authorize/?" + query))
    assert answer["error_description"] == ["nonce is repeated"]


@pytest.mark.parametrize(
    "challenge",
    ["", "a", "abc", "a" * 42, "a" * 44, "a" * 128, "a" * 42 + "=", "+" * 43, "a" * 42 + "."],
)
def test_a_code_challenge_that_is_no_s256_hash_is_refused(client, rp, challenge):
    """RFC 7636 §4.2: an S256 challenge is 43 base64url characters, never empty or one."""
    params, _ = rp.authorize_params(code_challenge=challenge)
    answer = refused(client.get("/o/authorize/?" + urlencode(params)))
    assert "code_challenge" in answer["error_description"][0]


@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("request", "request_not_supported"),
        ("request_uri", "request_uri_not_supported"),
        ("registration", "registration_not_supported"),
    ],
)
def test_request_objects_are_refused_not_ignored(client, rp, name, error):
    """OIDC Core §6: an OP that does not support them answers with these errors."""
    params, _ = rp.authorize_params(**{name: "eyJhbGciOiJub25lIn0.e30."})
    answer = refused(client.get("/o/authorize/?" + urlencode(params)), error)
    assert answer["state"] == [params["state"]]


def test_an_empty_request_parameter_counts_as_left_out(client, rp):
    """RFC 6749 §3.1: "Parameters sent without a value MUST be treated as if they were omitted"."""
    params, _ = rp.authorize_params(request="", request_uri="")
    assert client.get("/o/authorize/?" + urlencode(params)).status_code == 302
    assert Flow.objects.count() == 1


def test_discovery_says_request_objects_are_not_supported(client):
    data = client.get("/o/.well-known/openid-configuration").json()
    assert data["request_parameter_supported"] is False
    assert data["request_uri_parameter_supported"] is False
    assert data["claims_parameter_supported"] is True
    assert data["grant_types_supported"] == ["authorization_code"]


def test_redirect_uri_is_required(client, rp):
    """OIDC Core §3.1.2.1: REQUIRED, even when the RP registered only one."""
    params, _ = rp.authorize_params(redirect_uri=None)
    response = client.get("/o/authorize/?" + urlencode(params))
    error_page(response)
    assert b"incomplete" in response.content


def test_a_nonce_longer_than_segl_keeps_is_refused(client, rp):
    params, _ = rp.authorize_params(nonce="n" * 256)
    answer = refused(client.get("/o/authorize/?" + urlencode(params)))
    assert answer["error_description"] == ["nonce is longer than 255 characters"]


def test_a_nonce_of_255_characters_comes_back_in_the_id_token(driver, anna):
    nonce = "n" * 255
    result, _, verifier = driver.login(anna, nonce=nonce)
    claims = driver.verified_claims(driver.token(result["code"][0], verifier).json()["id_token"])
    assert claims["nonce"] == nonce


def test_a_verifier_of_43_characters_is_redeemed(driver, anna):
    verifier = "v" * 43
    result, _, _ = driver.login(
        anna, code_challenge=b64(hashlib.sha256(verifier.encode()).digest())
    )
    assert driver.token(result["code"][0], verifier).status_code == 200


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("Pay \u202e100 DKK", "U+202E RIGHT-TO-LEFT OVERRIDE at position 5"),
        ("Pay\u200b100 DKK", "U+200B ZERO WIDTH SPACE at position 4"),
        ("Pay 100 DKK\u007f", "U+007F DELETE at position 12"),
        ("Pay\u0085100 DKK", "U+0085 NEXT LINE at position 4"),
        ("Pay\u2028100 DKK", "U+2028 LINE SEPARATOR at position 4"),
    ],
)
def test_approval_text_that_would_not_show_as_sent_is_refused(client, rp, text, reason):
    params, _ = rp.authorize_params(approval_text=text, action="approve")
    answer = refused(client.get("/o/authorize/?" + urlencode(params)))
    assert answer["error_description"] == ["approval_text contains " + reason]


def test_approval_text_in_other_scripts_is_shown_as_sent(driver, anna):
    text = "Betal 100 kr. til שלום\u00a0Ltd 🙂"
    url, _, _ = driver.start(approval_text=text, action="approve")
    driver.user_id(url, anna.user_id)
    assert text in driver.client.get(url).content.decode()


def _claims(acr: object) -> str:
    return json.dumps({"id_token": {"acr": acr}})


def test_an_essential_acr_that_cannot_be_reached_fails_after_the_user_id(driver, anna, monkeypatch):
    from segl.app.kind import AppKind
    from segl.authenticators.registry import KINDS
    from segl.chip.kind import ChipKind
    from segl.core.assurance import Level

    monkeypatch.setitem(KINDS, "app", AppKind(level=Level.SUBSTANTIAL))  # no kind reaches High
    monkeypatch.setitem(KINDS, "chip", ChipKind(level=Level.SUBSTANTIAL))
    claims = _claims({"essential": True, "values": [NSIS + "High"]})
    url, params, _ = driver.start(claims=claims)
    assert Flow.objects.get().requested_level == "high"
    driver.user_id(url, anna.user_id)
    result = driver.finish(url)
    assert result["error"] == ["access_denied"] and result["state"] == [params["state"]]


def test_an_essential_acr_is_met_and_named_in_the_id_token(driver, anna):
    claims = _claims({"essential": True, "values": [NSIS + "Substantial"]})
    result, _, verifier = driver.login(anna, claims=claims)
    token = driver.verified_claims(driver.token(result["code"][0], verifier).json()["id_token"])
    assert token["acr"] == NSIS + "Substantial"


def test_an_essential_acr_gets_one_of_the_values_asked_for(driver, anna):
    """OIDC Core §5.5.1.1: the acr "matches one of the requested values"; a Substantial login
    meets Low, so Low is what the RP that accepts only Low is told."""
    claims = _claims({"essential": True, "values": [NSIS + "Low"]})
    result, _, verifier = driver.login(anna, claims=claims)
    token = driver.verified_claims(driver.token(result["code"][0], verifier).json()["id_token"])
    assert token["acr"] == token["loa"] == NSIS + "Low"
    assert token["aal"] == NSIS + "Substantial"


def test_an_essential_acr_with_one_value(driver, anna):
    claims = _claims({"essential": True, "value": NSIS + "High"})
    driver.start(claims=claims)
    assert Flow.objects.get().requested_level == "high"


def test_a_voluntary_acr_in_claims_is_honoured_like_acr_values(driver, anna):
    driver.start(claims=_claims({"values": ["urn:other", NSIS + "High"]}))
    assert Flow.objects.get().requested_level == "high"


def test_claims_and_acr_values_together_ask_for_the_higher(driver, anna):
    driver.start(
        acr_values=NSIS + "Low", claims=_claims({"essential": True, "values": [NSIS + "High"]})
    )
    assert Flow.objects.get().requested_level == "high"


def test_an_essential_acr_segl_does_not_have_is_access_denied_at_once(client, rp):
    claims = _claims({"essential": True, "values": ["urn:example:loa:gold"]})
    params, _ = rp.authorize_params(claims=claims)
    answer = refused(client.get("/o/authorize/?" + urlencode(params)), "access_denied")
    assert answer["state"] == [params["state"]]


@pytest.mark.parametrize(
    "claims",
    [
        "{not json",
        "[]",
        json.dumps({"id_token": []}),
        json.dumps({"id_token": {"acr": "high"}}),
        _claims({"essential": "yes", "values": [NSIS + "High"]}),
        _claims({"values": NSIS + "High"}),
        _claims({"values": [1]}),
    ],
)
def test_a_malformed_claims_parameter_is_refused(client, rp, claims):
    params, _ = rp.authorize_params(claims=claims)
    answer = refused(client.get("/o/authorize/?" + urlencode(params)))
    assert "claims" in answer["error_description"][0]


def test_claims_without_acr_change_nothing(driver, anna):
    driver.start(claims=json.dumps({"userinfo": {"name": None}, "id_token": {"auth_time": None}}))
    assert Flow.objects.get().requested_level == ""
