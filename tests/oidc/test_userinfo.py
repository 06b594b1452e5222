"""Userinfo takes the access token from the Authorization header only (segl.oidc.userinfo), and
every refusal is an audit event without the token."""

from __future__ import annotations

import pytest

from segl.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

CHALLENGE = (
    'Bearer error="invalid_request", '
    'error_description="send the access token in the Authorization header only (RFC 6750 2.1)"'
)


@pytest.fixture
def access(driver, anna) -> str:
    result, _, verifier = driver.login(anna)
    token: str = driver.token(result["code"][0], verifier).json()["access_token"]
    return token


def refused_as_transport(response) -> None:
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response["WWW-Authenticate"] == CHALLENGE
    assert "sub" not in response.json()


def test_the_authorization_header_is_accepted(client, access):
    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert response.status_code == 200 and "sub" in response.json()
    assert not AuditEvent.objects.filter(action="oidc.userinfo").exists()


def test_a_token_in_the_query_string_is_refused(client, access):
    refused_as_transport(client.get(f"/o/userinfo/?access_token={access}"))


def test_a_token_in_a_form_body_is_refused(client, access):
    refused_as_transport(client.post("/o/userinfo/", {"access_token": access}))


def test_a_token_in_the_query_beside_the_header_is_refused(client, access):
    """RFC 6750 §3.1: "uses more than one method for including an access token"."""
    response = client.get(
        f"/o/userinfo/?access_token={access}", HTTP_AUTHORIZATION=f"Bearer {access}"
    )
    refused_as_transport(response)


def test_refusals_are_audited_without_the_token(client, access):
    client.get(f"/o/userinfo/?access_token={access}")
    client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer not-a-token")
    client.get("/o/userinfo/")
    events = list(AuditEvent.objects.filter(action="oidc.userinfo"))
    assert [e.outcome for e in events] == ["transport", "token", "token"]
    assert [e.data["error"] for e in events] == [
        "invalid_request",
        "invalid_token",
        "invalid_token",
    ]
    assert all(e.ip == "127.0.0.1" for e in events)
    for event in events:
        assert access not in str(event.data) and "not-a-token" not in str(event.data)


def test_an_invalid_token_gets_a_bearer_challenge(client):
    response = client.get("/o/userinfo/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
