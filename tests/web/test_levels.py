"""The level the RP asked for (``acr_values``) is checked whenever it can change: when a method is
chosen, when the last step is passed, and when the RP is given the code. A method below the
level cannot be chosen, and a login whose identity's level was lowered meanwhile does not
finish. Before anything is proven the check does not depend on the identity (decision 17)."""

from __future__ import annotations

import re

import pytest

from segl.app.kind import AppKind
from segl.audit.models import AuditEvent
from segl.authenticators.models import Authenticator
from segl.authenticators.registry import KINDS
from segl.core.assurance import Level
from segl.flows.models import Flow
from segl.identities.models import Identity
from tests.app.conftest import PIN, AppUser, activate, emulator
from tests.app.test_login_with_app import current_qr, start_app_login
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

SUBSTANTIAL = Level.SUBSTANTIAL.uri
HIGH = Level.HIGH.uri


def _flow(url: str) -> Flow:
    return Flow.objects.get(pk=url.rstrip("/").split("/")[-1])


def offered(driver, url: str) -> list[str]:
    page = driver.client.get(url + "method/").content.decode()
    return re.findall(r'name="method" value="([a-z_]+)"', page)


def test_a_method_below_the_requested_level_cannot_be_chosen(driver, monkeypatch):
    """The app is (say) only Low here; the RP asks for Substantial; the identity has an app."""
    monkeypatch.setitem(KINDS, "app", AppKind(level=Level.LOW))
    eva = make_person("eva-low-app")
    activate(emulator(), eva)
    url, _, _ = driver.start(acr_values=SUBSTANTIAL)
    driver.user_id(url, eva.user_id)
    assert offered(driver, url) == ["code_display", "audio_code_reader", "chip"]
    response = driver.post(url + "method/", {"method": "app"})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert _flow(url).method == "code_display"


def test_a_high_request_starts_with_a_high_method_and_cannot_switch_below_it(driver):
    """A request for High starts with the app (not the browser's default, a code display),
    offers only the kinds that reach High (the app, the chip), and a switch to the code
    display is refused. Ida's app reaches High: it was bound as one activated after a
    proofing at High is."""
    ida = make_person("ida-high", ial="high")
    app = emulator()
    activate(app, ida)
    Authenticator.objects.filter(identity=ida.identity, kind="app").update(level="high")
    url, _, verifier = driver.start(acr_values=HIGH)
    driver.user_id(url, ida.user_id)
    assert _flow(url).method == "app"
    assert offered(driver, url) == ["app", "chip"]
    response = driver.post(url + "method/", {"method": "code_display"})
    assert response.status_code == 200 and _flow(url).method == "app"
    app.unlock(ida.user_id, PIN)
    shown = app.bind(ida.user_id, app.pending(ida.user_id)["id"], qr=current_qr(url))
    assert app.answer(ida.user_id, shown) == "approved"
    code = driver.finish(url)["code"][0]
    claims = driver.verified_claims(driver.token(code, verifier).json()["id_token"])
    assert claims["acr"] == HIGH


def test_an_app_bound_at_substantial_does_not_finish_a_high_login(driver):
    """The same app activated with an activation code (Substantial): the identity is High, the
    app answers, and still the login does not reach High."""
    ivo = make_person("ivo-high", ial="high")
    app = emulator()
    activate(app, ivo)
    url, _, _ = driver.start(acr_values=HIGH)
    driver.user_id(url, ivo.user_id)
    app.unlock(ivo.user_id, PIN)
    shown = app.bind(ivo.user_id, app.pending(ivo.user_id)["id"], qr=current_qr(url))
    app.answer(ivo.user_id, shown)
    flow = _flow(url)
    assert (flow.step, flow.failure) == ("failed", "level_unreachable")


def test_an_identity_level_lowered_between_steps_does_not_finish(driver, anna):
    url, params, _ = driver.start(acr_values=SUBSTANTIAL)
    driver.user_id(url, anna.user_id)
    driver.code(url, anna.token.code())
    Identity.objects.filter(pk=anna.identity.pk).update(ial="low")  # e.g. proofing revoked
    assert driver.password(url).status_code == 302
    flow = _flow(url)
    assert (flow.step, flow.failure) == ("failed", "level_unreachable")
    assert "higher level of security" in driver.client.get(url).content.decode()
    result = driver.finish(url)
    assert result["error"] == ["access_denied"] and "code" not in result
    assert result["state"] == [params["state"]]


def test_an_identity_level_lowered_before_the_app_answers_does_not_finish(driver, db):
    bo = AppUser(person=make_person("bo-lowered"), app=emulator())
    activate(bo.app, bo.person)
    url, _, _ = start_app_login(driver, bo, acr_values=SUBSTANTIAL)
    Identity.objects.filter(pk=bo.person.identity.pk).update(ial="low")
    bo.app.unlock(bo.user_id, PIN)
    shown = bo.app.bind(bo.user_id, bo.app.pending(bo.user_id)["id"], qr=current_qr(url))
    assert bo.app.answer(bo.user_id, shown) == "approved"  # the app's part was fine
    assert (_flow(url).step, _flow(url).failure) == ("failed", "level_unreachable")
    assert "code" not in driver.finish(url)


def test_an_identity_level_lowered_after_the_login_gives_the_rp_no_code(driver, anna):
    url, params, _ = driver.start(acr_values=SUBSTANTIAL)
    driver.user_id(url, anna.user_id)
    driver.code(url, anna.token.code())
    driver.password(url)
    assert _flow(url).step == "done"
    Identity.objects.filter(pk=anna.identity.pk).update(ial="low")
    result = driver.finish(url)
    assert result["error"] == ["access_denied"] and "code" not in result
    assert result["error_description"] == [
        "The requested assurance level cannot be reached for this user."
    ]
    assert result["state"] == [params["state"]]
    refused = AuditEvent.objects.get(action="oidc.refused")
    assert refused.data["reason"] == "level_unreachable"
    assert not AuditEvent.objects.filter(action="oidc.code").exists()


def test_a_low_identity_is_told_only_once_it_has_proven_itself(driver, db):
    """Until then, a user ID proofed Low looks like an unknown one to an RP asking for
    Substantial: both go on to the code display's step."""
    low = make_person("lowly-2", ial="low")
    pages = []
    for user_id in (low.user_id, "nobody-low"):
        url, _, _ = driver.start(acr_values=SUBSTANTIAL)
        driver.user_id(url, user_id)
        assert _flow(url).step == "code"
        pages.append(driver.client.get(url).content.decode().replace(url, "URL"))
    csrf = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
    assert csrf.sub("", pages[0]) == csrf.sub("", pages[1])
    url, _, _ = driver.start(acr_values=SUBSTANTIAL)
    driver.user_id(url, low.user_id)
    driver.code(url, low.token.code())
    driver.password(url)
    assert _flow(url).failure == "level_unreachable"
