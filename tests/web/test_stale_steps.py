"""A form sent for a step the flow is not at (a double submit, the back button, a finished or
expired login) is refused with a page that says so, and changes nothing: never a server error.
Every kind of step form, against every state the flow can be in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from segl.app.models import AppRequest
from segl.audit.models import AuditEvent
from segl.flows.models import Flow

pytestmark = pytest.mark.django_db

LIVE = ("user_id", "code", "password", "app")
STATES = (*LIVE, "done", "cancelled", "expired")

# What each form sends: (path under the flow, data).
FORMS = {
    "user ID": ("", {"step": "user_id", "user_id": "anna-1234"}),
    "empty user ID": ("", {"step": "user_id", "user_id": ""}),
    "code": ("", {"step": "code", "code": "123456"}),
    "code of the wrong shape": ("", {"step": "code", "code": "12a"}),
    "password": ("", {"step": "password", "password": "not the password"}),
    "empty password": ("", {"step": "password", "password": ""}),
    "no step": ("", {"user_id": "anna-1234"}),
    "an unknown step": ("", {"step": "done", "user_id": "anna-1234"}),
    "change of method": ("method/", {"method": "code_display"}),
    "change of method to nothing": ("method/", {"method": ""}),
    "cancel": ("cancel/", {}),
    "a new app request": ("app/retry/", {}),
}

# The forms that belong to a state; every other pair is a form for another step.
BELONGS = {
    *((form, "user_id") for form in ("user ID", "empty user ID")),
    *((form, "code") for form in ("code", "code of the wrong shape")),
    *((form, "password") for form in ("password", "empty password")),
    *(
        (form, state)
        for form in ("change of method", "change of method to nothing")
        for state in ("code", "app")
    ),
    *(("cancel", state) for state in LIVE),
    ("a new app request", "app"),
}

MISMATCHED = [(form, state) for form in FORMS for state in STATES if (form, state) not in BELONGS]


def flow_at(driver, anna, state: str) -> str:
    url, _, _ = driver.start()
    if state == "cancelled":
        driver.post(url + "cancel/", {})
        return url
    if state == "expired":
        driver.user_id(url, anna.user_id)
        Flow.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
        driver.client.get(url)  # the page says it expired, and the flow is over
        return url
    if state == "user_id":
        return url
    driver.user_id(url, anna.user_id)
    if state == "app":
        driver.post(url + "method/", {"method": "app"})
    if state in ("password", "done"):
        driver.code(url, anna.token.code())
    if state == "done":
        driver.password(url)
    return url


def snapshot() -> tuple:
    flow = Flow.objects.get()
    return (
        flow.step,
        flow.method,
        flow.failure,
        list(flow.amr),
        flow.identity_id,
        AuditEvent.objects.count(),
        AppRequest.objects.count(),
    )


@pytest.mark.parametrize(("form", "state"), MISMATCHED)
def test_a_form_for_another_step_is_refused_clearly(driver, anna, form, state):
    url = flow_at(driver, anna, state)
    assert Flow.objects.get().step == ("failed" if state == "expired" else state)
    before = snapshot()
    path, data = FORMS[form]
    response = driver.post(url + path, data)
    page = response.content.decode()
    assert response.status_code == 409, page[:500]
    assert "This page is out of date" in page
    over = state in ("done", "cancelled", "expired")
    assert ("This login is already over" in page) is over
    assert f'href="{url}"' in page  # and a way on, to where the flow is
    assert snapshot() == before


def test_every_pair_is_covered():
    assert len(MISMATCHED) + len(BELONGS) == len(FORMS) * len(STATES)
    assert ("empty user ID", "code") in MISMATCHED  # the server error that was found


def test_the_refusal_is_in_danish_too(driver, anna):
    url = flow_at(driver, anna, "code")
    driver.client.cookies["django_language"] = "da"
    page = driver.user_id(url, "").content.decode()
    assert "Siden er ikke længere aktuel" in page
