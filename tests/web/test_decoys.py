"""Unknown user IDs look like known ones (decision 17), as a property over every mix of kinds.

For every subset of the kinds segl offers that an identity may have, with each of them as its
preferred method, someone who knows only a user ID sees exactly what they see for a user ID
nobody has: the same statuses, redirects and pages (once per-flow ids, CSRF tokens and the app
step's random binding values are taken out), the same list after "Change identification
method", and the same answers to what they can try next: wrong codes for every kind (counted
and suspended alike), wrong passwords where the chip asks for one first (counted and locked
alike), and the app step for every kind mix (its QR code, its long-poll, a newer
login cancelling the older request, and the limit of 5 unanswered requests in 10 minutes).
"""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client

from segl.app.models import AppRequest
from segl.authenticators.services import device_activate
from segl.core import otp
from segl.flows.models import Flow
from tests.app.conftest import activate, emulator
from tests.conftest import PASSWORD, LoginDriver, Person, Rp, Token, make_device, make_person

pytestmark = pytest.mark.django_db

KINDS = ("app", "code_display", "audio_code_reader")
APP_LOGINS = 6  # one more than the 5 unanswered requests allowed in 10 minutes


def mixes() -> list[tuple[tuple[str, ...], str]]:
    """Every subset of the kinds, with each of its kinds as the preferred method."""
    return [
        (subset, preferred)
        for size in range(len(KINDS) + 1)
        for subset in itertools.combinations(KINDS, size)
        for preferred in subset or ("",)
    ]


def mix_id(mix: tuple[tuple[str, ...], str]) -> str:
    subset, preferred = mix
    return ("+".join(subset) or "nothing") + (f"/prefers-{preferred}" if preferred else "")


_people = itertools.count(1)


def make_identity(kinds: tuple[str, ...], preferred: str) -> tuple[Person, list[Token]]:
    """An identity with one active authenticator of each kind, all of whose codes the test
    knows (so that the wrong codes it tries are surely wrong)."""
    person = make_person(f"mix-{next(_people)}", kinds=())
    tokens = []
    past = datetime.now(UTC) - timedelta(minutes=2)
    for kind in kinds:
        if kind == "app":
            activate(emulator(), person)
            continue
        token = make_device(kind)
        device_activate(
            identity=person.identity,
            serial=token.serial,
            code=token.code(past),
            now=past,
            password=PASSWORD,
        )
        tokens.append(token)
    person.identity.refresh_from_db()
    person.identity.preferred_method = preferred
    person.identity.save(update_fields=["preferred_method"])
    return person, tokens


def surely_wrong(tokens: list[Token]) -> str:
    now = datetime.now(UTC)
    valid = {
        otp.totp_code(t.secret, now + timedelta(seconds=30 * d))
        for t in tokens
        for d in range(-4, 8)
    }
    return next(f"{n:06d}" for n in range(10**6) if f"{n:06d}" not in valid)


def normalise(text: str) -> str:
    """Take out what is random anyway: flow ids, CSRF tokens, the app step's binding values
    (request id, same-device token, one-time code) and the clock time in a lock message."""
    for flow_id in Flow.objects.values_list("id", flat=True):
        text = text.replace(flow_id, "FLOW")
    for request_id, token in AppRequest.objects.values_list("id", "device_token"):
        text = text.replace(request_id, "REQUEST").replace(token, "TOKEN")
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", text)
    text = re.sub(r'(<p class="one-time-code"[^>]*>).*?(</p>)', r"\1CODE\2", text, flags=re.DOTALL)
    return re.sub(r"\b\d{2}:\d{2}\b", "HH:MM", text)


class Attacker:
    """Someone who knows a user ID and nothing else, in a browser of their own; every answer
    they get goes into ``seen``."""

    def __init__(self, rp: Rp, user_id: str) -> None:
        # Each from an address of its own, so that both meet the per-address limits afresh.
        n = next(_people)
        client = Client(REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")
        client.cookies["django_language"] = "en"
        self.driver = LoginDriver(client, rp)
        self.user_id = user_id
        self.seen: list[Any] = []

    def note(self, label: str, response: Any) -> None:
        location = response.get("Location", "")
        body = response.content.decode() if response.status_code != 302 else ""
        if response.get("Content-Type", "").startswith("image/"):
            body = response["Content-Type"]  # the QR code itself is random
        # The user ID typed is on the password page (for password managers): take it out too.
        body = normalise(body).replace(self.user_id, "USER-ID")
        self.seen.append((label, response.status_code, normalise(location), body))

    def get(self, label: str, url: str) -> None:
        self.note(label, self.driver.client.get(url))

    def post(self, label: str, url: str, data: dict[str, str]) -> None:
        self.note(label, self.driver.client.post(url, data))

    def login(self, label: str) -> str:
        url, _, _ = self.driver.start()
        self.post(f"{label}: user ID", url, {"step": "user_id", "user_id": self.user_id})
        return url

    def probe(self, wrong_code: str) -> list[Any]:
        url = self.login("first")
        self.get("first step", url)
        self.get("Change identification method", url + "method/")
        self.post("a kind segl does not offer", url + "method/", {"method": "smart_ring"})
        for kind in ("code_display", "audio_code_reader"):
            url = self.login(kind)
            self.post(f"choose {kind}", url + "method/", {"method": kind})
            self.get(f"{kind} step", url)
            for n in range(4):  # wrong, wrong, suspended, still suspended
                self.post(f"{kind} wrong code {n}", url, {"step": "code", "code": wrong_code})
            self.post(f"{kind} password too early", url, {"step": "password", "password": "x"})
        # The chip asks for the password first: wrong 4 times, locked at the 5th, still locked.
        url = self.login("chip")
        self.post("choose the chip", url + "method/", {"method": "chip"})
        self.get("chip: password step", url)
        for n in range(6):
            self.post(f"chip: wrong password {n}", url, {"step": "password", "password": "no"})
        self.post("chip: chip step too early", url, {"step": "chip", "reply": "{}"})
        previous = None
        for n in range(APP_LOGINS):
            url = self.login(f"app {n}")
            self.post(f"app {n}: choose the app", url + "method/", {"method": "app"})
            self.get(f"app {n}: step", url)
            self.get(f"app {n}: status", url + "app/status")
            if n == 0:
                self.get(f"app {n}: long-poll", url + "app/status?since=pending&wait=0.2")
            self.get(f"app {n}: QR code", url + "app/qr.svg")
            if previous is not None:
                self.get(f"app {n}: the login before", previous)
                self.get(f"app {n}: its status", previous + "app/status")
            previous = url
        self.post("retry after too many", previous + "app/retry/", {})
        self.get("after the retry", previous)
        return self.seen


@pytest.mark.parametrize("mix", mixes(), ids=mix_id)
def test_a_known_user_id_looks_like_an_unknown_one(rp, mix):
    subset, preferred = mix
    person, tokens = make_identity(subset, preferred)
    wrong = surely_wrong(tokens)
    known = Attacker(rp, person.user_id).probe(wrong)
    unknown = Attacker(rp, f"nobody-{next(_people)}").probe(wrong)
    assert len(known) == len(unknown)
    for seen_known, seen_unknown in zip(known, unknown, strict=True):
        assert seen_known == seen_unknown
    # The probe saw what it meant to: every kind offered, a suspension, the app's limit.
    text = " ".join(str(s) for s in known)
    assert 'value="app"' in text and 'value="audio_code_reader"' in text
    assert "suspended because a wrong one-time code was entered 3 times" in text
    assert "Your password is locked after too many wrong attempts" in text
    assert "A newer login with your user ID was started" in text
    assert "Too many requests were sent to your app." in text


def test_an_app_in_one_time_code_mode_looks_like_nothing_too(rp):
    """Which mode the app is in (QR or one-time codes) does not show either."""
    from segl.app.models import AppInstance, ApprovalMode

    person, tokens = make_identity(("app", "code_display"), "app")
    AppInstance.objects.filter(authenticator__identity=person.identity).update(
        approval_mode=ApprovalMode.CODE
    )
    wrong = surely_wrong(tokens)
    known = Attacker(rp, person.user_id).probe(wrong)
    unknown = Attacker(rp, f"nobody-{next(_people)}").probe(wrong)
    for seen_known, seen_unknown in zip(known, unknown, strict=True):
        assert seen_known == seen_unknown


def test_the_mixes_cover_every_subset_and_preference():
    assert len(mixes()) == 1 + 3 + 3 * 2 + 3
    assert {frozenset(subset) for subset, _ in mixes()} == {
        frozenset(s) for n in range(4) for s in itertools.combinations(KINDS, n)
    }


def test_a_decoy_step_never_passes(driver, db):
    """Not with a right code of someone else's device of that kind, and not with an app: no
    app, not even the attacker's own, can see or bind a decoy's request."""
    from segl.app.emulator import AppError

    anna, _ = make_identity(("code_display",), "code_display")
    mallory, tokens = make_identity(("audio_code_reader",), "audio_code_reader")
    mallorys_app = emulator()
    activate(mallorys_app, mallory)
    url = driver.start()[0]
    driver.user_id(url, anna.user_id)
    driver.post(url + "method/", {"method": "audio_code_reader"})
    page = driver.code(url, tokens[0].code()).content.decode()
    assert "The one-time code is not correct" in page
    driver.post(url + "method/", {"method": "app"})
    decoy = AppRequest.objects.get(flow_id=url.rstrip("/").split("/")[-1], status="pending")
    assert decoy.identity is None
    mallorys_app.unlock(mallory.user_id, "2580")
    assert mallorys_app.pending(mallory.user_id) is None
    with pytest.raises(AppError) as caught:
        mallorys_app.bind(mallory.user_id, decoy.id, device=decoy.device_token)
    assert caught.value.reason == "request_unknown"
    flow = Flow.objects.get(pk=url.rstrip("/").split("/")[-1])
    assert flow.step == "app" and not flow.amr


def test_a_user_id_whose_apps_are_paused_looks_like_an_unknown_one(rp, driver):
    """ "I did not start this" pauses the identity's apps for an hour. Someone else who tries
    the user ID meanwhile sees what they see for a user ID nobody has: the pause is for the
    citizen's app to say, not for the login page."""
    from tests.app.conftest import AppUser
    from tests.app.test_rules import bound

    person, tokens = make_identity(("code_display",), "app")
    citizen = AppUser(person, emulator())
    activate(citizen.app, person)
    _, shown = bound(driver, citizen)
    assert citizen.app.answer(citizen.user_id, shown, "fraud") == "rejected"
    wrong = surely_wrong(tokens)
    known = Attacker(rp, person.user_id).probe(wrong)
    unknown = Attacker(rp, f"nobody-{next(_people)}").probe(wrong)
    assert len(known) == len(unknown)
    for seen_known, seen_unknown in zip(known, unknown, strict=True):
        assert seen_known == seen_unknown
    # No request reached the citizen's app meanwhile.
    citizen.app.unlock(citizen.user_id, "2580")
    assert citizen.app.pending(citizen.user_id) is None
