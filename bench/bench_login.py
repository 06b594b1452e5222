"""Benchmarks: the code step alone, and whole logins (authorize → code → password → token).

Run with ``make bench`` (or ``.venv/bin/python bench/bench_login.py --logins 200``). Uses a fresh
SQLite database under var/bench unless DATABASE_URL is set. Figures are per process, on one core.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import os
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("SEGL_ENV", "test")
os.environ.setdefault("SEGL_DATA_DIR", str(ROOT / "var" / "bench"))
os.environ.setdefault("SEGL_RATE_LIMIT_IP", "1000000")
os.environ.setdefault("SEGL_RATE_LIMIT_USER", "1000000")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segl.settings")

from bench.database import fresh_database  # noqa: E402
from bench.people import make_people  # noqa: E402


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def bench_code_step(count: int) -> dict[str, float]:
    """Verify a code, persist the replay state, write the audit event: one transaction each."""
    from segl.authenticators.models import Device
    from segl.authenticators.services import device_verify_code
    from segl.core import otp

    people, _ = make_people(1)
    device = Device.objects.get(serial="CD0000000000")
    secret = people[0][1]
    base = datetime.now(UTC) + timedelta(days=1)
    codes = [(base + timedelta(seconds=30 * i)) for i in range(count)]
    pairs = [(now, otp.totp_code(secret, now)) for now in codes]
    wall0, cpu0 = time.perf_counter(), time.process_time()
    for now, code in pairs:
        device_verify_code(device_id=device.pk, code=code, now=now)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"per_second": count / wall, "cpu_ms": 1000 * cpu / count}


def bench_logins(count: int) -> dict[str, float]:
    from django.test import Client

    from segl.core import otp
    from segl.identities.passwords import hasher
    from segl.oidc.services import rp_add

    people, password = make_people(count)
    redirect = "https://bench.example/cb"
    app, secret = rp_add(name="Bench", redirect_uris=[redirect])
    basic = "Basic " + base64.b64encode(f"{app.client_id}:{secret}".encode()).decode()
    encoded = hasher().hash(password)

    cpu_total: list[float] = []
    wall_total: list[float] = []
    for user_id, seed in people:
        client = Client()
        verifier = secrets.token_urlsafe(48)
        params = {
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": redirect,
            "scope": "openid",
            "state": "s",
            "nonce": "n",
            "code_challenge": b64(hashlib.sha256(verifier.encode()).digest()),
            "code_challenge_method": "S256",
        }
        wall0, cpu0 = time.perf_counter(), time.process_time()
        url = client.get("/o/authorize/?" + urlencode(params))["Location"]
        client.post(url, {"step": "user_id", "user_id": user_id})
        response = client.post(
            url, {"step": "code", "code": otp.totp_code(seed, datetime.now(UTC))}
        )
        assert response.status_code == 302, response.content[:300]
        response = client.post(url, {"step": "password", "password": password})
        assert response.status_code == 302
        flow_id = url.rstrip("/").split("/")[-1]
        location = client.get(f"/o/finish/{flow_id}/")["Location"]
        code = parse_qs(urlsplit(location).query)["code"][0]
        token = client.post(
            "/o/token/",
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect,
                "code_verifier": verifier,
            },
            HTTP_AUTHORIZATION=basic,
        )
        assert token.status_code == 200 and "id_token" in token.json()
        cpu_total.append(time.process_time() - cpu0)
        wall_total.append(time.perf_counter() - wall0)

    argon = []
    for _ in range(20):
        c0 = time.process_time()
        hasher().verify(encoded, password)
        argon.append(time.process_time() - c0)
    argon_ms = 1000 * statistics.median(argon)
    cpu_ms = 1000 * statistics.median(cpu_total)
    return {
        "per_second": count / sum(wall_total),
        "cpu_ms": cpu_ms,
        "argon2_ms": argon_ms,
        "own_cpu_ms": cpu_ms - argon_ms,
        "p95_wall_ms": 1000 * sorted(wall_total)[int(0.95 * (len(wall_total) - 1))],
    }


def bench_unknown_user_ids(count: int) -> dict[str, float]:
    """Wall time of the user ID and a wrong code, for known and unknown user IDs (median, ms)."""
    from django.test import Client

    from segl.oidc.services import rp_add

    people, _ = make_people(count)
    redirect = "https://bench.example/cb"
    app, _ = rp_add(name="Timing", redirect_uris=[redirect])
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    for i, (user_id, _seed) in enumerate(people):
        for label, uid in (("known", user_id), ("unknown", f"nobody-{i}")):
            client = Client()
            params = {
                "response_type": "code",
                "client_id": app.client_id,
                "redirect_uri": redirect,
                "scope": "openid",
                "state": "s",
                "code_challenge": b64(hashlib.sha256(b"v").digest()),
                "code_challenge_method": "S256",
            }
            url = client.get("/o/authorize/?" + urlencode(params))["Location"]
            t0 = time.perf_counter()
            client.post(url, {"step": "user_id", "user_id": uid})
            client.post(url, {"step": "code", "code": "000000"})
            times[label].append(time.perf_counter() - t0)
    return {k: 1000 * statistics.median(v) for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=2000)
    parser.add_argument("--logins", type=int, default=200)
    args = parser.parse_args()
    fresh_database()
    from django.db import connection

    code = bench_code_step(args.codes)
    login = bench_logins(args.logins)
    timing = bench_unknown_user_ids(min(args.logins, 100))
    print(f"database: {connection.vendor}")
    print(f"code step (verify + replay state + audit), {args.codes} codes:")
    print(f"  {code['per_second']:8.0f} per second   {code['cpu_ms']:6.2f} ms CPU each")
    print(
        f"full login (authorize → user ID → code → password → finish → token), "
        f"{args.logins} logins:"
    )
    print(
        f"  {login['per_second']:8.1f} per second   {login['cpu_ms']:6.2f} ms CPU each "
        f"(median), p95 {login['p95_wall_ms']:.1f} ms"
    )
    print(
        f"  of which Argon2id password hash {login['argon2_ms']:.2f} ms; "
        f"segl's own cost {login['own_cpu_ms']:.2f} ms CPU"
    )
    print(
        f"user ID + a wrong code, median wall time: known user ID {timing['known']:.2f} ms, "
        f"unknown {timing['unknown']:.2f} ms"
    )


if __name__ == "__main__":
    main()
