"""A production start, as an operator does it: the demo does not exist, and segl refuses to
start with what only a demo has (decision 16).

Each test runs the real ``segl`` command, and the real server, in processes of their own.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
import requests

from tests.processes import PORT, clean_env, production_env, refused_start, segl, serving

DEMO_URLS = [
    ("GET", "/emulator/"),
    ("GET", "/emulator/CD0000000018/"),
    ("POST", "/emulator/CD0000000018/"),
    ("GET", "/emulator/AR0000000018/speech.wav"),
    ("GET", "/emulator/phone/"),
    ("POST", "/emulator/phone/"),
    ("GET", "/demo-bank/"),
    ("POST", "/demo-bank/start/"),
    ("GET", "/demo-bank/callback/"),
]


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict[str, str]:
    """A migrated production installation with one registered RP, not yet serving."""
    env = production_env(tmp_path_factory.mktemp("production"), base_url=f"http://localhost:{PORT}")
    assert segl(env, "migrate", "--quiet").returncode == 0
    added = segl(env, "rp", "add", "Borger Portal", "--redirect-uri", "https://rp.example/cb")
    assert added.returncode == 0, added.stderr
    return env


@pytest.fixture(scope="module")
def server(production) -> str:
    with serving(production, PORT) as url:
        yield url


@pytest.mark.parametrize(("method", "path"), DEMO_URLS)
def test_the_demo_does_not_exist_in_production(server, method, path):
    response = requests.request(method, server + path, allow_redirects=False, timeout=10)
    assert response.status_code == 404, (method, path, response.status_code)


def test_the_front_page_links_nothing_of_the_demo(server):
    page = requests.get(server + "/", timeout=10)
    assert page.status_code == 200
    for link in ("/emulator/", "/demo-bank/", "segl demo load"):
        assert link not in page.text


def test_discovery_and_login_work_in_production(server, production):
    discovery = requests.get(server + "/o/.well-known/openid-configuration", timeout=10)
    assert discovery.status_code == 200 and discovery.json()["issuer"] == server + "/o"

    rps = json.loads(segl(production, "rp", "list", "--json").stdout)["rps"]
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    params = {
        "response_type": "code",
        "client_id": rps[0]["client_id"],
        "redirect_uri": "https://rp.example/cb",
        "scope": "openid",
        "state": "s" * 16,
        "nonce": "n" * 16,
        "code_challenge": challenge.rstrip(b"=").decode(),
        "code_challenge_method": "S256",
    }
    browser = requests.Session()
    browser.cookies.set("django_language", "en")
    started = browser.get(
        server + "/o/authorize/?" + urlencode(params), allow_redirects=False, timeout=10
    )
    assert started.status_code == 302
    login_path = urlsplit(started.headers["Location"]).path
    assert login_path.startswith("/login/")
    page = browser.get(server + login_path, timeout=10)
    assert page.status_code == 200 and 'name="user_id"' in page.text


def test_demo_load_refuses_in_production(production):
    done = segl(production, "demo", "load")
    assert done.returncode != 0
    assert "the demo is off" in done.stderr and "never in production" in done.stderr
    rps = json.loads(segl(production, "rp", "list", "--json").stdout)["rps"]
    assert [rp["name"] for rp in rps] == ["Borger Portal"]


def test_hsts_covers_subdomains_without_preload(production):
    # As behind the TLS-terminating proxy that production runs behind, listed as trusted.
    https = {
        **production,
        "SEGL_BASE_URL": f"https://localhost:{PORT + 1}",
        "SEGL_TRUSTED_PROXIES": "127.0.0.1",
    }
    with serving(https, PORT + 1) as url:
        response = requests.get(url + "/", headers={"X-Forwarded-Proto": "https"}, timeout=10)
    hsts = [part.strip() for part in response.headers["Strict-Transport-Security"].split(";")]
    assert hsts == ["max-age=31536000", "includeSubDomains"]


# -- what production refuses to start with ------------------------------------------------------


def test_production_refuses_to_start_with_device_files(tmp_path: Path):
    env = production_env(tmp_path, base_url=f"http://localhost:{PORT + 2}")
    made = segl(env, "factory", "make", "code_display", "--count", "1", "--out", str(tmp_path))
    assert made.returncode == 0, made.stderr
    (device_file,) = (tmp_path / "devices").glob("*.json")

    done = refused_start(env, PORT + 2)
    assert done.returncode != 0
    assert "refusing to start in production" in done.stderr
    assert str(tmp_path / "devices") in done.stderr and device_file.name in done.stderr
    assert "Traceback" not in done.stderr

    device_file.unlink()
    assert segl(env, "check", "--json").returncode == 0


@pytest.mark.parametrize(
    ("setting", "value", "named"),
    [
        ("SEGL_DEMO_RP_SECRET", "a-secret-from-a-demo", "SEGL_DEMO_RP_SECRET is set"),
        ("SEGL_DEMO", "true", "SEGL_DEMO=true is not allowed with SEGL_ENV=production"),
    ],
)
def test_production_refuses_to_start_with_the_demo(tmp_path: Path, setting, value, named):
    env = production_env(tmp_path, base_url=f"http://localhost:{PORT + 2}")
    done = refused_start({**env, setting: value}, PORT + 2)
    assert done.returncode != 0 and named in done.stderr and "Traceback" not in done.stderr
    loaded = segl({**env, setting: value}, "demo", "load")
    assert loaded.returncode != 0 and named in loaded.stderr


def test_production_refuses_the_passport_factorys_trust_list_and_the_demo_faces(tmp_path: Path):
    """Anyone can make a passport the factory's test CSCA signs; the demo's face comparison
    only tells drawn faces apart."""
    env = production_env(tmp_path, base_url=f"http://localhost:{PORT + 2}")
    made = segl(
        env,
        "passport",
        "make",
        "--out",
        str(tmp_path / "documents"),
        "--surname",
        "A",
        "--given-names",
        "B",
        "--birth-date",
        "1980-01-01",
        "--number",
        "P1234567",
    )
    assert made.returncode == 0, made.stderr
    trust = str(tmp_path / "documents" / "trust")
    done = refused_start({**env, "SEGL_PROOFING_TRUST": trust}, PORT + 2)
    assert done.returncode != 0 and "test CSCA" in done.stderr and trust in done.stderr
    assert "Traceback" not in done.stderr
    done = refused_start({**env, "SEGL_FACE_VERIFIER": "demo"}, PORT + 2)
    assert done.returncode != 0 and "SEGL_FACE_VERIFIER=demo" in done.stderr
    (tmp_path / "documents" / "trust" / "notes.txt").write_text("not a certificate")
    done = refused_start({**env, "SEGL_PROOFING_TRUST": trust}, PORT + 2)
    assert done.returncode != 0 and "notes.txt" in done.stderr and "Traceback" not in done.stderr


def test_production_refuses_several_workers_without_redis(tmp_path: Path):
    env = production_env(tmp_path, base_url=f"http://localhost:{PORT + 2}")
    done = refused_start(env, PORT + 2, "--workers", "2")
    assert done.returncode == 2
    assert "2 workers without REDIS_URL" in done.stderr and "rate limits" in done.stderr


# -- and the demo, where it belongs ---------------------------------------------------------------


def test_the_demo_runs_in_development(tmp_path: Path):
    """What ``make run`` does: development secrets, migrate, demo data, serve."""
    env_file = tmp_path / "segl.env"
    assert segl(clean_env(), "init", "--env-file", str(env_file)).returncode == 0
    env = clean_env(SEGL_ENV_FILE=str(env_file), SEGL_BASE_URL=f"http://localhost:{PORT + 3}")
    assert segl(env, "migrate", "--quiet").returncode == 0
    loaded = segl(env, "demo", "load")
    assert loaded.returncode == 0 and "demo-anna" in loaded.stdout, loaded.stderr
    (serial, *_) = sorted(p.stem for p in (tmp_path / "devices").glob("*.json"))
    with serving(env, PORT + 3) as url:
        front = requests.get(url + "/", timeout=10).text
        assert "/demo-bank/" in front and "/emulator/phone/" in front
        for path in ("/emulator/", "/emulator/phone/", "/demo-bank/", f"/emulator/{serial}/"):
            assert requests.get(url + path, timeout=10).status_code == 200, path
        assert serial in requests.get(url + "/emulator/", timeout=10).text
