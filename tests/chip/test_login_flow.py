"""A login with the chip through segl's pages, as MitID orders it: user ID, password, "Start",
the chip's answer (here the factory's emulated chip, a software authenticator), done."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest

from segl.audit.models import AuditEvent
from segl.authenticators.models import Authenticator
from segl.core.assurance import Level
from segl.flows.models import Flow
from segl.flows.services import flow_result
from segl.notify.models import OutboxMessage
from tests.chip.conftest import ORIGIN, Holder, register, stock
from tests.conftest import PASSWORD, LoginDriver, make_person
from tests.web.test_decoys import Attacker

pytestmark = pytest.mark.django_db

HIGH = Level.HIGH.uri


def chip_holder(batch: Any, clock: Any, *, ial: str = "substantial") -> Holder:
    person = make_person(f"chip-{uuid.uuid4().hex[:8]}", ial=ial)
    chip = stock(batch)
    register(person.identity, chip, clock)
    return Holder(identity=person.identity, chip=chip)


def to_chip_step(driver: LoginDriver, user_id: str, **extra: str) -> str:
    """A login at the chip's step: the chip chosen and the password given."""
    url, _, _ = driver.start(**extra)
    assert driver.user_id(url, user_id).status_code == 302
    if "Start" not in driver.client.get(url).content.decode():
        driver.post(url + "method/", {"method": "chip"})
    assert driver.password(url).status_code == 302
    return url


def options(driver: LoginDriver, url: str) -> Any:
    return driver.client.post(url + "chip/options")


def answer(driver: LoginDriver, url: str, reply: Any, credential: dict[str, Any]) -> Any:
    data = {"challenge": reply["challenge"], "credential": credential}
    return driver.post(url, {"step": "chip", "reply": json.dumps(data)})


def press(driver: LoginDriver, url: str, holder: Holder, **knobs: Any) -> Any:
    reply = options(driver, url).json()
    return answer(driver, url, reply, holder.chip.get_assertion(reply, ORIGIN, **knobs))


def test_the_password_comes_first_then_start_and_the_chip(driver, accepted, batch, clock):
    holder = chip_holder(batch, clock, ial="high")
    url, _, verifier = driver.start(acr_values=HIGH)
    driver.user_id(url, holder.identity.user_id)
    driver.post(url + "method/", {"method": "chip"})
    page = driver.client.get(url).content.decode()
    assert 'name="password"' in page and "Change identification method" in page
    assert f'value="{holder.identity.user_id}" autocomplete="username"' in page
    assert driver.password(url).status_code == 302
    page = driver.client.get(url).content.decode()
    assert "data-chip-start" in page and "Press the button on your chip" in page
    assert "Change identification method" not in page  # the method has begun
    assert press(driver, url, holder).status_code == 302
    claims = driver.verified_claims(
        driver.token(driver.finish(url)["code"][0], verifier).json()["id_token"]
    )
    assert claims["amr"] == ["pwd", "hwk", "mfa"]
    assert claims["acr"] == HIGH and claims["sub"] == str(holder.identity.pk)
    assert Authenticator.objects.get(identity=holder.identity, kind="chip").last_used_at is not None


def test_an_identity_proofed_at_substantial_gets_substantial(driver, accepted, batch, clock):
    holder = chip_holder(batch, clock)
    url = to_chip_step(driver, holder.identity.user_id)
    assert press(driver, url, holder).status_code == 302
    flow = Flow.objects.get(pk=url.rstrip("/").split("/")[-1])
    result = flow_result(flow)
    assert result.acr == Level.SUBSTANTIAL and result.amr == ("pwd", "hwk", "mfa")


def test_a_high_request_is_not_met_by_a_substantial_identity(driver, accepted, batch, clock):
    holder = chip_holder(batch, clock)
    url = to_chip_step(driver, holder.identity.user_id, acr_values=HIGH)
    press(driver, url, holder)
    assert "higher level of security" in driver.client.get(url).content.decode()


def test_the_options_allow_only_the_holders_chip_with_a_fresh_challenge(
    driver, accepted, batch, clock
):
    holder = chip_holder(batch, clock)
    url = to_chip_step(driver, holder.identity.user_id)
    first, second = options(driver, url).json(), options(driver, url).json()
    keys = first["publicKey"]
    assert [c["id"] for c in keys["allowCredentials"]] == list(holder.chip.credentials)
    assert keys["rpId"] == "localhost" and len(keys["challenge"]) >= 22  # >= 128 bits
    assert keys["challenge"] != second["publicKey"]["challenge"]


def test_options_only_for_the_browser_that_started_and_at_the_chip_step(
    driver, client, accepted, batch, clock, rp
):
    holder = chip_holder(batch, clock)
    url, _, _ = driver.start()
    driver.user_id(url, holder.identity.user_id)
    driver.post(url + "method/", {"method": "chip"})
    assert options(driver, url).status_code == 409  # the password first
    driver.password(url)
    stranger = LoginDriver(type(client)(), rp)
    assert options(stranger, url).status_code == 404
    assert driver.client.get(url + "chip/options").status_code == 405


def test_another_identitys_chip_is_refused(driver, accepted, batch, clock):
    holder, other = chip_holder(batch, clock), chip_holder(batch, clock)
    url = to_chip_step(driver, holder.identity.user_id)
    response = press(driver, url, other, any_credential=True)
    assert response.status_code == 200
    assert "This is not the chip you use with segl" in response.content.decode()
    assert AuditEvent.objects.filter(action="chip.login", outcome="other_identity").exists()
    assert press(driver, url, holder).status_code == 302  # the right one still works


def test_a_challenge_from_another_login_is_refused(driver, accepted, batch, clock):
    holder = chip_holder(batch, clock)
    url = to_chip_step(driver, holder.identity.user_id)
    other = to_chip_step(driver, holder.identity.user_id)
    reply = options(driver, other).json()
    response = answer(driver, url, reply, holder.chip.get_assertion(reply, ORIGIN))
    assert "That took too long" in response.content.decode()
    assert AuditEvent.objects.filter(outcome="challenge_unknown").exists()


def test_a_replayed_answer_is_refused(driver, accepted, batch, clock):
    holder = chip_holder(batch, clock)
    url = to_chip_step(driver, holder.identity.user_id)
    reply = options(driver, url).json()
    signed = holder.chip.get_assertion(reply, ORIGIN)
    other = to_chip_step(driver, holder.identity.user_id)
    first = answer(driver, url, reply, signed)
    assert first.status_code == 302
    again = answer(driver, other, reply, signed)
    assert "That took too long" in again.content.decode()


def test_a_cloned_chip_is_suspended_and_its_holder_told(driver, accepted, batch, clock):
    holder = chip_holder(batch, clock)
    url = to_chip_step(driver, holder.identity.user_id)
    assert press(driver, url, holder).status_code == 302
    holder.chip.counter -= 1  # a copy of the chip, made before the last login
    url = to_chip_step(driver, holder.identity.user_id)
    response = press(driver, url, holder)
    assert "Your chip has been suspended" in response.content.decode()
    auth = Authenticator.objects.get(identity=holder.identity, kind="chip")
    assert auth.status == Authenticator.Status.SUSPENDED
    told = OutboxMessage.objects.filter(purpose="chip_cloned").values_list("to", flat=True)
    assert holder.identity.person.phone in told


def test_an_identity_without_a_chip_is_told_after_the_password(driver, accepted, db):
    person = make_person(f"nochip-{uuid.uuid4().hex[:8]}")
    url = to_chip_step(driver, person.user_id)
    page = driver.client.get(url).content.decode()
    assert "Your chip cannot be used" in page and "data-chip-start" not in page
    forged = driver.post(
        url, {"step": "chip", "reply": json.dumps({"challenge": "x", "credential": {}})}
    )
    assert "Your chip cannot be used" in forged.content.decode()
    assert options(driver, url).json() == {"error": "no_chip"}


def test_a_malformed_answer_is_a_clear_error(driver, accepted, batch, clock):
    holder = chip_holder(batch, clock)
    url = to_chip_step(driver, holder.identity.user_id)
    for bad in ("", "not json", "[]", json.dumps({"challenge": 1}), "x" * 20_000, "[" * 15_000):
        response = driver.post(url, {"step": "chip", "reply": bad})
        assert response.status_code == 200 and "There is a problem" in response.content.decode()
    reply = options(driver, url).json()
    response = answer(driver, url, reply, {"id": "AA", "rawId": "AA", "response": {}})
    assert "could not be used" in response.content.decode()


def test_a_user_id_with_a_chip_looks_like_an_unknown_one(rp, accepted, batch, clock):
    """Decision 17 with the chip: the password it asks first counts and locks alike."""
    holder = chip_holder(batch, clock)
    holder.identity.preferred_method = "chip"
    holder.identity.save(update_fields=["preferred_method"])
    known = Attacker(rp, holder.identity.user_id).probe("000000")
    unknown = Attacker(rp, f"nobody-{uuid.uuid4().hex[:8]}").probe("000000")
    assert known == unknown
    assert "Your password is locked" in str(known)


def test_the_password_asked_first_is_checked_and_counted(driver, accepted, batch, clock):
    holder = chip_holder(batch, clock)
    url, _, _ = driver.start()
    driver.user_id(url, holder.identity.user_id)
    driver.post(url + "method/", {"method": "chip"})
    response = driver.password(url, "not " + PASSWORD)
    assert "The password is not correct" in response.content.decode()
    assert re.search(r'name="password"', driver.client.get(url).content.decode())
    assert AuditEvent.objects.filter(action="password.verify", outcome="wrong").count() == 1


def test_wrong_passwords_before_the_chip_lock_that_path_only(driver, accepted, batch, clock):
    """Anyone can type a user ID: the password the chip asks first locks after 5 wrong in a row,
    but never touches the identity's own count, so the citizen's password is not blocked and a
    login with the code display still works (decision 17 alike for every user ID)."""
    holder = chip_holder(batch, clock)
    url, _, _ = driver.start()
    driver.user_id(url, holder.identity.user_id)
    driver.post(url + "method/", {"method": "chip"})
    for _ in range(5):
        driver.password(url, "not " + PASSWORD)
    response = driver.password(url)  # the right one, too late: locked for a while
    assert "Your password is locked after too many wrong attempts" in response.content.decode()
    holder.identity.refresh_from_db()
    assert holder.identity.password_failures == 0 and holder.identity.password_locked_until is None
    code_display = Authenticator.objects.get(identity=holder.identity, kind="code_display")
    assert code_display.status == "active"
    clock.advance(timedelta(minutes=16))
    assert driver.password(url).status_code == 302  # the lock ran out; the count starts again
