"""The contract every authenticator kind keeps: activate, prove, suspend, retire.

Each registered kind must have a *harness* here that knows how to make what the citizen holds
and how the citizen proves possession with it; a kind without one fails the first test, so no
kind joins without passing the contract.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from jwcrypto import jwk

from segl.authenticators.kinds import KINDS
from segl.authenticators.models import Authenticator
from segl.core import app as protocol
from segl.core.errors import SeglError
from tests.conftest import BASE_URL, make_device, make_person

# prove(authenticator, now, right) raises SeglError when the kind refuses the proof.
Prove = Callable[[Authenticator, datetime, bool], None]


def new_flow(application: Any, now: datetime) -> Any:
    """A login as an RP starts one, in browser "b", asking for nothing in particular."""
    from segl.flows.services import flow_start

    return flow_start(
        application=application,
        authorize_uri="/o/authorize/",
        scopes=["openid"],
        credentials={},
        approval_text="",
        action="log_on",
        requested_level=None,
        login_hint="",
        browser_key="b",
        now=now,
    )


@dataclass
class Harness:
    activate: Callable[[Any, datetime], tuple[Authenticator, Prove]]


def _device_harness(name: str) -> Harness:
    def activate(identity: Any, now: datetime) -> tuple[Authenticator, Prove]:
        token = make_device(name)
        kind = KINDS[name]
        auth = kind.activate(identity=identity, now=now, serial=token.serial, code=token.code(now))

        def prove(auth: Authenticator, when: datetime, right: bool) -> None:
            code = token.code(when) if right else token.wrong_code(when)
            kind.verify(authenticator=auth, step=kind.steps[0], response=code, now=when)

        return auth, prove

    return Harness(activate=activate)


def _app_harness() -> Harness:
    from segl.app import services
    from segl.notify.models import OutboxMessage
    from segl.oidc.services import rp_add

    def activate(identity: Any, now: datetime) -> tuple[Authenticator, Prove]:
        code = services.activation_code_issue(identity=identity, now=now)
        activation = services.activation_start(user_id=identity.user_id, code=code, now=now)
        sms = OutboxMessage.objects.latest("id").text
        key = jwk.JWK.generate(kty="EC", crv="P-256")
        url = BASE_URL + "/app/api/activation/finish"
        proof = protocol.verify_dpop(
            protocol.make_dpop(key, method="POST", url=url, now=now),
            method="POST",
            url=url,
            now=now,
        )
        auth = KINDS["app"].activate(
            identity=identity,
            now=now,
            activation_id=activation.id,
            temporary_pin=sms.split("pinkode er ")[1][:6],
            pin="2580",
            proof=proof,
        )
        application, _ = rp_add(name="Contract RP", redirect_uris=["https://rp.example/cb"])

        def prove(auth: Authenticator, when: datetime, right: bool) -> None:
            # A whole app step: a flow asks, the app unlocks, binds by QR and approves.
            flow = new_flow(application, when)
            flow.identity = identity
            flow.step, flow.method = "app", "app"
            flow.save()
            request = services.app_request_open(flow=flow, now=when)
            instance = services.instance_for(
                protocol.DpopProof(
                    thumbprint=protocol.thumbprint(protocol.public_jwk(key)),
                    jwk=protocol.public_jwk(key),
                    jti="x" * 16,
                    iat=0,
                )
            )
            services.app_unlock(instance_id=instance.pk, pin="2580", now=when)
            instance.refresh_from_db()
            qr = (
                services.qr_text(request, when)
                if right
                else services.qr_text(request, when - timedelta(minutes=1))
            )
            shown = services.app_request_bind(
                instance=instance, request_id=request.id, qr=qr, now=when
            )
            approval = protocol.Approval(
                request=shown.request,
                flow=shown.flow,
                text_sha256=shown.text_sha256,
                channel=shown.channel,
                decision="approve",
            )
            services.app_request_answer(
                instance=instance,
                request_id=request.id,
                signed=protocol.sign_approval(key, approval, now=when),
                now=when,
            )
            flow.refresh_from_db()
            assert flow.step == "done"

        return auth, prove

    return Harness(activate=activate)


HARNESSES = {
    "code_display": _device_harness("code_display"),
    "audio_code_reader": _device_harness("audio_code_reader"),
    "app": _app_harness(),
}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_has_a_harness(name):
    assert name in HARNESSES


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(KINDS))
def test_activate_prove_suspend_retire(name):
    kind = KINDS[name]
    assert kind.steps and set(kind.step_amr) == set(kind.steps)
    person = make_person(f"contract-{name[:10]}", kinds=())
    past = datetime.now(UTC) - timedelta(minutes=2)
    auth, prove = HARNESSES[name].activate(person.identity, past)
    assert auth.kind == name and auth.status == Authenticator.Status.ACTIVE
    now = datetime.now(UTC)
    prove(auth, now, True)

    later = now + timedelta(seconds=60)
    kind.suspend(authenticator=auth, now=later, reason="contract")
    auth.refresh_from_db()
    with pytest.raises(SeglError):
        prove(auth, later, True)

    kind.retire(authenticator=auth, now=later)
    auth.refresh_from_db()
    assert auth.status == Authenticator.Status.RETIRED
    even_later = later + timedelta(seconds=60)
    with pytest.raises(SeglError):
        prove(auth, even_later, True)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(KINDS))
def test_a_wrong_proof_is_refused(name):
    person = make_person(f"wrong-{name[:10]}", kinds=())
    past = datetime.now(UTC) - timedelta(minutes=2)
    auth, prove = HARNESSES[name].activate(person.identity, past)
    with pytest.raises(SeglError):
        prove(auth, datetime.now(UTC), False)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_has_a_decoy_step(name):
    """A user ID with none of this kind (here: nobody's) gets the kind's first step all the
    same (decision 17): ``begin_decoy`` prepares it, and nothing about it is anyone's."""
    from segl.app.models import AppRequest
    from segl.flows.services import flow_change_method, flow_submit_user_id
    from segl.oidc.services import rp_add

    application, _ = rp_add(name="Contract RP", redirect_uris=["https://rp.example/cb"])
    now = datetime.now(UTC)
    flow = new_flow(application, now)
    flow_submit_user_id(flow_id=flow.id, browser_key="b", user_id="nobody-at-all", now=now)
    flow = flow_change_method(flow_id=flow.id, browser_key="b", method=name, now=now)
    assert (flow.method, flow.step, flow.identity) == (name, KINDS[name].steps[0], None)
    assert not AppRequest.objects.exclude(identity=None).exists()
