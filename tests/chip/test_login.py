"""Logging in with a chip: a WebAuthn assertion over a fresh challenge, from this identity's
active chip, for segl's origin and rpId, with a signature counter that moves forward."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta

import pytest

from segl.audit.models import AuditEvent
from segl.chip.errors import ChipRefused
from segl.chip.models import ChipCredential
from segl.chip.services import assertion_begin, assertion_finish
from tests.chip.conftest import ORIGIN, register, stock
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def refused(reason: str):
    return pytest.raises(ChipRefused, match=f"^{reason}$")


def log_in(holder, clock, **knobs):
    options, challenge = assertion_begin(identity=holder.identity, flow_id="f1", now=clock())
    answer = holder.chip.get_assertion(options, knobs.pop("origin", ORIGIN), **knobs)
    return assertion_finish(challenge_id=challenge, response=answer, now=clock())


def test_the_holders_chip_logs_in_and_its_counter_is_kept(holder, clock):
    clock.advance(timedelta(seconds=10))
    auth = log_in(holder, clock)
    assert (auth.identity_id, auth.kind, auth.last_used_at) == (
        holder.identity.pk,
        "chip",
        clock(),
    )
    assert ChipCredential.objects.get(authenticator=auth).sign_count == holder.chip.counter == 2
    assert AuditEvent.objects.filter(action="chip.login", outcome="ok").count() == 1


def test_the_challenge_is_fresh_and_long_and_allows_only_the_active_chip(holder, clock):
    first, _ = assertion_begin(identity=holder.identity, flow_id="", now=clock())
    second, _ = assertion_begin(identity=holder.identity, flow_id="", now=clock())
    challenge = first["publicKey"]["challenge"]
    assert len(base64.urlsafe_b64decode(challenge + "==")) >= 16  # WebAuthn L2 §13.4.3
    assert challenge != second["publicKey"]["challenge"]
    allowed = [c["id"] for c in first["publicKey"]["allowCredentials"]]
    assert first["publicKey"]["rpId"] == "localhost" and len(allowed) == 1


def test_a_login_challenge_is_used_once(holder, clock):
    options, challenge = assertion_begin(identity=holder.identity, flow_id="", now=clock())
    answer = holder.chip.get_assertion(options, ORIGIN)
    assertion_finish(challenge_id=challenge, response=answer, now=clock())
    with refused("challenge_used"):
        assertion_finish(challenge_id=challenge, response=answer, now=clock())


def test_an_expired_login_challenge_is_refused(holder, clock):
    options, challenge = assertion_begin(identity=holder.identity, flow_id="", now=clock())
    answer = holder.chip.get_assertion(options, ORIGIN)
    clock.advance(timedelta(minutes=5, seconds=1))
    with refused("challenge_expired"):
        assertion_finish(challenge_id=challenge, response=answer, now=clock())


def test_an_unknown_challenge_is_refused(holder, clock):
    options, _ = assertion_begin(identity=holder.identity, flow_id="", now=clock())
    answer = holder.chip.get_assertion(options, ORIGIN)
    with refused("challenge_unknown"):
        assertion_finish(challenge_id="made-up", response=answer, now=clock())


@pytest.mark.parametrize(
    ("knobs", "reason"),
    [
        ({"origin": "https://evil.example"}, "wrong_origin"),
        ({"origin": "http://localhost"}, "wrong_origin"),
        ({"rp_id": "evil.example"}, "wrong_rp"),
        ({"tamper": True}, "invalid"),
    ],
)
def test_an_assertion_for_another_origin_or_rp_or_badly_signed_is_refused(
    holder, clock, knobs, reason
):
    with refused(reason):
        log_in(holder, clock, **knobs)
    assert AuditEvent.objects.filter(action="chip.login", outcome=reason).count() == 1


def test_a_counter_that_goes_back_suspends_the_chip(holder, clock):
    log_in(holder, clock)
    holder.chip.counter -= 2  # a clone, made before the last login
    with refused("cloned"):
        log_in(holder, clock)
    credential = ChipCredential.objects.select_related("authenticator").get(
        serial=holder.chip.serial
    )
    assert credential.authenticator.status == "suspended" and credential.sign_count == 2
    suspended = AuditEvent.objects.get(action="authenticator.suspend")
    assert suspended.data["reason"] == "cloned"
    with refused("no_chip"):  # and it cannot be used again until reinstated
        assertion_begin(identity=holder.identity, flow_id="", now=clock())


def test_a_counter_that_stands_still_is_refused_too(holder, clock):
    holder.chip.counter -= 1  # the next signature repeats the registration's counter
    with refused("cloned"):
        log_in(holder, clock)


def test_another_identitys_chip_is_refused(holder, batch, clock):
    other = make_person(f"chip-{uuid.uuid4().hex[:8]}")
    theirs = stock(batch)
    register(other.identity, theirs, clock)
    options, challenge = assertion_begin(identity=holder.identity, flow_id="", now=clock())
    answer = theirs.get_assertion(options, ORIGIN, any_credential=True)
    with refused("other_identity"):
        assertion_finish(challenge_id=challenge, response=answer, now=clock())


def test_a_retired_chip_is_refused(holder, batch, clock):
    retired = holder.chip
    register(holder.identity, stock(batch), clock)  # the new chip retires the old one
    options, challenge = assertion_begin(identity=holder.identity, flow_id="", now=clock())
    answer = retired.get_assertion(options, ORIGIN, any_credential=True)
    with refused("not_active"):
        assertion_finish(challenge_id=challenge, response=answer, now=clock())


def test_an_identity_without_a_chip_gets_no_options(db, clock):
    person = make_person(f"chip-{uuid.uuid4().hex[:8]}")
    with refused("no_chip"):
        assertion_begin(identity=person.identity, flow_id="", now=clock())


def test_a_model_taken_off_the_list_stops_its_chips(holder, config, tmp_path, clock):
    log_in(holder, clock)
    config(chip_models=tmp_path / "the model is gone")
    with refused("model_not_accepted"):
        log_in(holder, clock)


def test_production_refuses_chromiums_virtual_authenticator_whatever_the_list(config, tmp_path):
    from segl.chip.trust import VIRTUAL_AUTHENTICATOR_AAGUID, chip_trust
    from segl.demo.chips import CHROMIUM_ROOT

    (tmp_path / "v.pem").write_bytes(CHROMIUM_ROOT.read_bytes())
    model = {"aaguid": VIRTUAL_AUTHENTICATOR_AAGUID, "name": "virtual", "roots": ["v.pem"]}
    (tmp_path / "models.json").write_text(json.dumps({"models": [model]}))
    config(chip_models=tmp_path)
    assert chip_trust().accepts(VIRTUAL_AUTHENTICATOR_AAGUID)  # the demo's
    config(env="production")
    assert not chip_trust().accepts(VIRTUAL_AUTHENTICATOR_AAGUID)
