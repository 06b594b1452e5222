"""Benchmark: approving logins with the app (the Python emulator), through Django's handling.

For each of N logins: the browser starts it (authorize, user ID), the app finds the request,
binds by the QR code and answers with a signed approval, while the browser waits on its
long-poll. Measured: the time from the app sending its approval to the browser's long-poll
answering "done" (p50, p99), and approvals per second (the app's four calls — unlock by PIN,
pending, bind, answer — and the whole login).
Run with ``.venv/bin/python bench/bench_app.py --approvals 200``.
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import statistics
import threading
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import bench_login  # sets up the environment and sys.path

PIN = "2580"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wait_in_browser(browser: Any, url: str, answered: dict[str, Any]) -> None:
    """The login page's long-poll, from "bound" until the app's answer is known."""
    from django.db import connection

    response = browser.get(url + "app/status", {"since": "bound", "wait": "10"})
    answered["at"] = time.perf_counter()
    answered["state"] = response.json()["state"]
    connection.close()


def bench_approvals(count: int) -> dict[str, float]:
    from django.conf import settings
    from django.test import Client

    from segl.app.emulator import AppEmulator, DjangoClientTransport
    from segl.app.models import AppRequest
    from segl.app.services import activation_code_issue, qr_text
    from segl.identities.services import identity_create, person_create
    from segl.notify.models import OutboxMessage
    from segl.oidc.services import rp_add

    now = datetime.now(UTC)
    person = person_create(
        cpr="0101901234", given_name="App", family_name="Bench", phone="+4520990000"
    )
    identity = identity_create(person=person, user_id="bench-app", now=now)
    app = AppEmulator(settings.CONFIG.base_url, transport=DjangoClientTransport(Client()))
    code = activation_code_issue(identity=identity, now=now)
    activation = app.start_activation("bench-app", code)
    sms = OutboxMessage.objects.latest("id").text.split("pinkode er ")[1][:6]
    app.finish_activation(activation, user_id="bench-app", temporary_pin=sms, pin=PIN)
    redirect = "https://bench.example/cb"
    rp, _ = rp_add(name="Bench", redirect_uris=[redirect])

    notify_ms: list[float] = []
    app_side: list[float] = []
    whole: list[float] = []
    for _ in range(count):
        t0 = time.perf_counter()
        browser = Client()
        params = {
            "response_type": "code",
            "client_id": rp.client_id,
            "redirect_uri": redirect,
            "scope": "openid",
            "state": "s",
            "code_challenge": bench_login.b64(hashlib.sha256(secrets.token_bytes(8)).digest()),
            "code_challenge_method": "S256",
        }
        url = browser.get("/o/authorize/?" + urlencode(params))["Location"]
        browser.post(url, {"step": "user_id", "user_id": "bench-app"})
        # A new browser starts with the code display: "Change identification method" → the app.
        browser.post(url + "method/", {"method": "app"})

        a0 = time.perf_counter()
        app.unlock("bench-app", PIN)  # one unlock answers one request (Argon2id included)
        request = app.pending("bench-app")
        assert request is not None
        qr = qr_text(AppRequest.objects.get(pk=request["id"]), datetime.now(UTC))
        shown = app.bind("bench-app", request["id"], qr=qr)

        # The browser waits on its long-poll, as the page's script does, from "bound".
        answered: dict[str, Any] = {}
        waiter = threading.Thread(target=wait_in_browser, args=(browser, url, answered))
        waiter.start()
        time.sleep(0.02)  # the long-poll is in place before the swipe
        sent = time.perf_counter()
        assert app.answer("bench-app", shown) == "approved"
        done = time.perf_counter()
        waiter.join()
        assert answered["state"] == "done", answered
        notify_ms.append(1000 * (answered["at"] - sent))
        app_side.append(done - a0 - 0.02)
        whole.append(time.perf_counter() - t0 - 0.02)
    return {
        "notify_p50_ms": statistics.median(notify_ms),
        "notify_p99_ms": percentile(notify_ms, 0.99),
        "notify_max_ms": max(notify_ms),
        "app_per_second": count / sum(app_side),
        "logins_per_second": count / sum(whole),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--approvals", type=int, default=200)
    args = parser.parse_args()
    bench_login.fresh_database()
    from django.db import connection

    result = bench_approvals(args.approvals)
    print(f"database: {connection.vendor}")
    print(f"app approvals ({args.approvals}, one app, the browser long-polling):")
    print(
        f"  approval sent → browser told: p50 {result['notify_p50_ms']:.0f} ms, "
        f"p99 {result['notify_p99_ms']:.0f} ms, max {result['notify_max_ms']:.0f} ms"
    )
    print(
        f"  {result['app_per_second']:.1f} approvals per second (the app's unlock, pending, "
        f"bind and answer); {result['logins_per_second']:.1f} per second with the browser's part"
    )


if __name__ == "__main__":
    main()
