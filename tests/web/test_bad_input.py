"""Malformed and hostile input gets a clear answer, never a server error, and changes nothing."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segl.audit.models import AuditEvent
from segl.flows.models import Flow

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "path",
    [
        "/o/authorize/",
        "/o/authorize/?client_id=",
        "/o/authorize/?response_type=token&client_id=x",
        "/o/finish/nope/",
        "/login/nope/",
        "/login/nope/method/",
        "/emulator/../../etc/passwd/",
        "/emulator/CD0000000000/",
        "/demo-bank/callback/?code=x&state=y",
        "/o/userinfo/",
    ],
)
def test_get_never_fails_on_bad_input(client, path):
    response = client.get(path)
    assert response.status_code < 500


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"grant_type": "authorization_code"},
        {"grant_type": "authorization_code", "code": "x" * 5000, "code_verifier": "y"},
        {"grant_type": "password", "username": "a", "password": "b"},
        {"grant_type": "implicit"},
    ],
)
def test_token_endpoint_answers_errors_as_json(client, rp, data):
    response = client.post("/o/token/", data)
    assert response.status_code in (400, 401)
    assert "error" in response.json()


@settings(
    max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(
    step=st.sampled_from(["user_id", "code", "password", "", "done", "x"]),
    value=st.text(max_size=300),
)
def test_flow_pages_take_any_text(driver, anna, step, value):
    url, _, _ = driver.start()
    field = {"user_id": "user_id", "code": "code", "password": "password"}.get(step, "user_id")
    response = driver.client.post(url, {"step": step, field: value})
    # 409: a form for a step the flow is not at is refused with a page that says so.
    assert response.status_code in (200, 302, 409, 429)
    assert Flow.objects.get(pk=url.strip("/").split("/")[-1]).step in ("user_id", "code")


def test_a_flow_page_post_for_a_finished_flow_changes_nothing(driver, anna):
    url, _, _ = driver.start()
    driver.post(url + "cancel/", {})
    events = AuditEvent.objects.count()
    response = driver.user_id(url, anna.user_id)
    assert response.status_code == 409 and "already over" in response.content.decode()
    assert Flow.objects.get().step == "cancelled"
    assert AuditEvent.objects.count() == events


def test_method_change_to_nothing(driver, anna):
    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    response = driver.post(url + "method/", {"method": ""})
    assert response.status_code == 200 and b"error-summary" in response.content
