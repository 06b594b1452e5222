"""A login approved with the app, over HTTP, as the browser and the app make it: the browser's
authorize, user ID and change of method to the app; the app's unlock by PIN, its look for the
request, the binding by the QR code and the signed answer (``segl.app.emulator``); the login
page's long-poll for that answer; then finish and the RP's token request.

Shared by ``bench/bench_scale.py --soak`` and the cluster's fault tests (tests/app_cluster.py).
The people are made by ``bench/app_people.py``; the QR code's text is read as the login page's
image shows it this second, from the flow's app request in the database (the app's camera).
"""

from __future__ import annotations

import base64
import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench import bench_http, burst
from segl.app.emulator import AppEmulator, HttpTransport, Registration
from segl.core.binding import qr_payload

# The requests of one login approved with the app, in order, as the soak names them.
STEPS = (
    "browser: authorize",
    "browser: user ID page",
    "browser: user ID",
    "browser: code page",
    "browser: method app",
    "browser: app page",
    "app: unlock",
    "app: pending",
    "app: bind",
    "app: answer",
    "long-poll answered",  # from the app sending its answer to the long-poll answering
    "browser: done page",
    "browser: finish",
    "RP: token",
)
# The citizen reads what the app shows before swiping; the page's long-poll is waiting by then.
READING_SECONDS = 0.3


@dataclass
class AppPeople:
    """People with an activated app, and the relying party they log in to."""

    target: bench_http.Target  # the RP, and the server the browsers reach
    pin: str
    user_ids: list[str]
    state: Path
    used: int = 0
    _keys: dict[str, Registration] | None = field(default=None, repr=False)

    @classmethod
    def made(cls, data: dict[str, Any], server: burst.Server) -> AppPeople:
        """From what ``bench/app_people.py`` prints."""
        target = bench_http.Target(
            name="app",
            server=server,
            rp={k: data[k] for k in ("client_id", "client_secret", "redirect_uri")},
            password="",
            people=[],
        )
        return cls(
            target=target, pin=data["pin"], user_ids=data["people"], state=Path(data["state"])
        )

    def take(self) -> str:
        self.used += 1
        return self.user_ids[self.used - 1]

    def phone(self, user_id: str, base_url: str, transport: HttpTransport) -> AppEmulator:
        """One person's app: their key alone, on ``transport``'s connections."""
        if self._keys is None:
            self._keys = AppEmulator(base_url, state=self.state).registrations
        key = user_id.strip().casefold()
        return AppEmulator(base_url, transport=transport, registrations={key: self._keys[key]})


def _timed(seconds: dict[str, float] | None, step: str, answer: burst.Answer) -> burst.Answer:
    if seconds is not None:
        seconds[step] = answer.seconds
    return answer


def start_login(
    people: AppPeople, user_id: str, seconds: dict[str, float] | None = None
) -> bench_http.Login:
    """Authorize, the user ID; the browser is at the app's step. Each request's seconds go to
    ``seconds`` under its name in :data:`STEPS`."""
    login = bench_http.Login(burst.Browser(people.target.server), user_id, b"")
    _timed(seconds, "browser: authorize", bench_http._authorize(people.target, login))
    _timed(seconds, "browser: user ID page", bench_http._page(login, "user ID page"))
    _timed(
        seconds,
        "browser: user ID",
        bench_http._post(login, {"step": "user_id", "user_id": user_id}, "user ID"),
    )
    page = _timed(seconds, "browser: code page", bench_http._page(login, "the first method's page"))
    if "data-qr" not in page.body:
        # A new browser starts with the code display, whatever the identity has (decision
        # 17): "Change identification method", the segl app.
        answer = login.browser.post(
            login.path + "method/", {"csrfmiddlewaretoken": login.csrf, "method": "app"}
        )
        assert answer.status == 302, answer.body[:300]
        _timed(seconds, "browser: method app", answer)
        page = _timed(seconds, "browser: app page", bench_http._page(login, "the app's page"))
    assert "data-qr" in page.body, "the login page shows the app's QR code"
    return login


def flow_id(login: bench_http.Login) -> str:
    return login.path.rstrip("/").split("/")[-1]


def qr_now(database_url: str, flow: str) -> str:
    """The QR code's text this second, as the login page's image shows it."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            "SELECT qr_secret FROM app_apprequest WHERE flow_id = %s "
            "ORDER BY created_at DESC LIMIT 1",
            (flow,),
        ).fetchone()
    assert row is not None, "the login asked the app"
    return qr_payload(flow, int(datetime.now(UTC).timestamp()), base64.urlsafe_b64decode(row[0]))


def bind(
    emulator: Any,
    people: AppPeople,
    login: bench_http.Login,
    database_url: str,
    seconds: dict[str, float] | None = None,
) -> Any:
    """Unlock by PIN, find the request, scan the QR code: what the app shows, to be signed."""
    seconds = {} if seconds is None else seconds
    started = time.perf_counter()
    emulator.unlock(login.user_id, people.pin)
    seconds["app: unlock"] = time.perf_counter() - started
    started = time.perf_counter()
    pending = emulator.pending(login.user_id)
    seconds["app: pending"] = time.perf_counter() - started
    assert pending is not None, "the app sees the login's request"
    qr = qr_now(database_url, flow_id(login))
    started = time.perf_counter()
    shown = emulator.bind(login.user_id, pending["id"], qr=qr)
    seconds["app: bind"] = time.perf_counter() - started
    return shown


@dataclass
class Poll:
    """The login page's long-poll for the app's answer, in a thread of its own, on one server."""

    browser: burst.Browser
    path: str
    answer: burst.Answer | None = None
    error: BaseException | None = None
    at: float = 0.0
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            self.answer = self.browser.request(
                "GET", self.path, accept="application/json", timeout=40
            )
        except (OSError, http.client.HTTPException) as exc:  # the node went away
            self.error = exc
        self.at = time.monotonic()

    def join(self, timeout: float = 40) -> None:
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the long-poll did not end"


def long_poll(
    login: bench_http.Login, server: burst.Server, since: str = "bound", wait: int = 20
) -> Poll:
    """Start the page's long-poll, from the login's browser (its cookies), sent to ``server``;
    returns once it is waiting there."""
    browser = burst.Browser(server, dict(login.browser.cookies))
    poll = Poll(browser, f"{login.path}app/status?since={since}&wait={wait}")
    poll.thread.start()
    time.sleep(READING_SECONDS)  # a look or two: the request has reached its node and waits
    assert poll.thread.is_alive(), f"the long-poll answered at once: {poll.answer}"
    return poll


def whole_login(
    people: AppPeople, user_id: str, base_url: str, database_url: str
) -> dict[str, float]:
    """One login approved with the app, through ``people``'s server, every answer checked; each
    request's seconds by its name in :data:`STEPS`."""
    seconds: dict[str, float] = {}
    transport = HttpTransport()  # the phone's own connections
    try:
        phone = people.phone(user_id, base_url, transport)
        login = start_login(people, user_id, seconds)
        shown = bind(phone, people, login, database_url, seconds)
        poll = long_poll(login, people.target.server)
        sent = time.monotonic()
        status = phone.answer(user_id, shown, "approve")
        seconds["app: answer"] = time.monotonic() - sent
        assert status == "approved", f"the app's answer: {status}"
        poll.join()
        if poll.answer is None:
            raise burst.BurstError(f"the long-poll: {poll.error}")
        bench_http._expect(poll.answer, 200, "long-poll")
        told = json.loads(poll.answer.body)
        assert told["state"] == "done", f"the long-poll told {told}"
        seconds["long-poll answered"] = poll.at - sent
        done = bench_http._expect(login.browser.get(told["next"]), 200, "done page")
        seconds["browser: done page"] = done.seconds
        seconds["browser: finish"] = bench_http._finish(login).seconds
        seconds["RP: token"] = bench_http._token(people.target, login).seconds
        login.browser.close()
    finally:
        transport.close()
    return seconds
