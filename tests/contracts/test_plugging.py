"""How every kind plugs in: its typed proof, its addresses, an out-of-band answer that still
needs the kind's verify, and its own clean-up when an authenticator is suspended or retired."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.urls import resolve, reverse
from jwcrypto import jwk

from segl.authenticators.contract import ActivationProof
from segl.authenticators.registry import KINDS, flows
from segl.core.errors import SeglError
from tests.app.conftest import temporary_pin
from tests.conftest import BASE_URL, make_device, make_person

from .harnesses import HARNESSES

BROWSER = "plugging"


def activate(name: str, identity: Any, now: datetime) -> Any:
    """One authenticator of kind ``name`` for ``identity``, activated through the kind."""
    if name == "chip":
        harness = HARNESSES[name]()
        return harness.activate(identity, harness.issue(identity, now), now)
    if name != "app":
        from segl.codedevice.kind import DeviceProof

        token = make_device(name)
        proof = DeviceProof(serial=token.serial, code=token.code(now))
        return KINDS[name].activate(identity=identity, proof=proof, now=now)
    from segl.app import services
    from segl.app.kind import AppProof
    from segl.core.dpop import make_dpop, verify_dpop

    code = services.activation_code_issue(identity=identity, now=now)
    activation = services.activation_start(user_id=identity.user_id, code=code, now=now)
    key = jwk.JWK.generate(kty="EC", crv="P-256")
    url = BASE_URL + "/app/api/activation/finish"
    header = make_dpop(key, method="POST", url=url, now=now)
    app_proof = AppProof(
        activation_id=activation.id,
        temporary_pin=temporary_pin(identity.person.phone),
        pin="2580",
        proof=verify_dpop(header, method="POST", url=url, now=now),
    )
    return KINDS[name].activate(identity=identity, proof=app_proof, now=now)


def login_at(name: str, user_id: str, now: datetime) -> Any:
    """A login in browser BROWSER at the first step of kind ``name``."""
    from segl.flows.services import flow_change_method, flow_start, flow_submit_user_id
    from segl.oidc.services import rp_add

    application, _ = rp_add(name="Plug RP", redirect_uris=["https://rp.example/cb"])
    flow = flow_start(
        application=application,
        authorize_uri="/o/authorize/",
        scopes=["openid"],
        credentials={},
        approval_text="",
        action="log_on",
        requested_level=None,
        login_hint="",
        browser_key=BROWSER,
        now=now,
    )
    flow_submit_user_id(flow_id=flow.id, browser_key=BROWSER, user_id=user_id, now=now)
    return flow_change_method(flow_id=flow.id, browser_key=BROWSER, method=name, now=now)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_every_kind_declares_its_own_frozen_proof(name):
    kind = KINDS[name]
    assert issubclass(kind.proof_type, ActivationProof) and kind.proof_type is not ActivationProof
    assert dataclasses.is_dataclass(kind.proof_type)
    assert kind.proof_type.__dataclass_params__.frozen  # type: ignore[attr-defined]
    others = {KINDS[other].proof_type for other in KINDS} - {kind.proof_type}
    assert all(not issubclass(kind.proof_type, other) for other in others)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(KINDS))
def test_another_kinds_proof_is_a_programming_error(name):
    person = make_person(f"proof-{name[:10]}", kinds=())
    with pytest.raises(TypeError):
        KINDS[name].activate(
            identity=person.identity, proof=ActivationProof(), now=datetime.now(UTC)
        )


@pytest.mark.parametrize("name", sorted(KINDS))
def test_the_flow_mounts_every_kinds_addresses(name):
    kind = KINDS[name]
    assert [KINDS[other].url_prefix for other in KINDS].count(kind.url_prefix) == 1
    for pattern in kind.urlpatterns():
        assert resolve(reverse(f"flows:{pattern.name}", kwargs={"flow_id": "f1"})).func
    retry = reverse("flows:retry", kwargs={"flow_id": "f1", "prefix": kind.url_prefix})
    assert retry == f"/login/f1/{kind.url_prefix}/retry/"


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(KINDS))
def test_an_answer_out_of_band_passes_only_what_the_kind_verifies(name):
    """``step_passed`` is not a back door: the kind's verify decides."""
    from segl.flows.models import Flow

    kind = KINDS[name]
    person = make_person(f"oob-{name[:10]}", kinds=())
    auth = activate(name, person.identity, datetime.now(UTC) - timedelta(minutes=2))
    now = datetime.now(UTC)
    flow = login_at(name, person.user_id, now)
    step = kind.steps[0]
    assert flow.step == step
    with pytest.raises(SeglError):
        flows().step_passed(
            flow_id=flow.id,
            step=step,
            authenticator_id=auth.pk,
            response="not-an-answer",
            amr=kind.step_amr[step],
            now=now,
        )
    assert Flow.objects.get(pk=flow.id).step == step


@pytest.mark.django_db
@pytest.mark.parametrize("action", ["suspend", "retire"])
def test_suspending_or_retiring_an_app_anywhere_ends_its_unlock(action):
    from segl.app.models import AppInstance
    from segl.authenticators.services import authenticator_retire, authenticator_suspend

    person = make_person(f"unlock-{action}", kinds=())
    past = datetime.now(UTC) - timedelta(minutes=2)
    auth = activate("app", person.identity, past)
    later = datetime.now(UTC) + timedelta(minutes=5)
    AppInstance.objects.filter(authenticator=auth).update(unlocked_until=later)
    if action == "suspend":
        authenticator_suspend(authenticator_id=auth.pk, now=datetime.now(UTC), reason="lost")
    else:
        authenticator_retire(authenticator_id=auth.pk, now=datetime.now(UTC))
    assert AppInstance.objects.get(authenticator=auth).unlocked_until is None
