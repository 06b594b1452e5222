"""The key that signs ID tokens is rotated without a relying party failing a signature
(decision 39): keys in ``SEGL_OIDC_INACTIVE_KEYS_FILE`` are published in the JWKS and never
sign.

In process: what the JWKS publishes, which key signs, and the settings' refusals. Through
``make cluster`` (deploy/cluster.py; PostgreSQL, Redis and Debian's HAProxy, as
tests/test_cluster.py): whole logins run all along while the nodes are restarted one by one in
the two phases of the rotation, and a relying party that caches the JWKS validates every ID
token; then the same relying party fails on a key switched to without being published first.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwcrypto import jwk, jws, jwt

from bench import bench_http, burst
from deploy import cluster as make_cluster
from segl.config import ConfigError, load
from tests import clusters

PORT = int(os.environ["SEGL_TEST_PORT"]) + 70  # HAProxy; the nodes + 1 and + 2
SETTING = "SEGL_OIDC_INACTIVE_KEYS_FILE"


def new_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def pem(key: Any, *, public: bool = False, traditional: bool = False) -> str:
    if public:
        data = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    else:
        data = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL
            if traditional
            else serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    return str(data.decode("ascii"))


def kid(key_pem: str) -> str:
    """The RFC 7638 thumbprint, the ``kid`` django-oauth-toolkit gives a key."""
    return str(jwk.JWK.from_pem(key_pem.encode()).thumbprint())


def header_kid(id_token: str) -> str:
    token = jws.JWS()
    token.deserialize(id_token)
    return str(token.jose_header["kid"])


# -- in process ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys() -> dict[str, rsa.RSAPrivateKey]:
    return {"next": new_key(), "previous": new_key()}


def configured(tmp_path: Path, *blocks: str, active: str | None = None) -> Any:
    path = tmp_path / "inactive.pem"
    path.write_text("".join(blocks), encoding="ascii")
    env = {"SEGL_ENV": "test", SETTING: str(path)}
    if active is not None:
        env["SEGL_OIDC_PRIVATE_KEY"] = active
    return load(env)


@pytest.fixture
def publishing(settings, tmp_path, keys) -> dict[str, str]:
    """segl's signing key, and two more published beside it: one as a private key in
    traditional form, the other as its public half only. Their PEMs by role."""
    active = settings.CONFIG.oidc_private_key
    config = configured(
        tmp_path,
        "# the next key, then the last one\n",
        pem(keys["next"], traditional=True),
        pem(keys["previous"], public=True),
        active=active,
    )
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_RSA_PRIVATE_KEY": config.oidc_private_key,
        "OIDC_RSA_PRIVATE_KEYS_INACTIVE": list(config.oidc_inactive_keys),
    }
    return {
        "active": active,
        "next": pem(keys["next"]),
        "previous": pem(keys["previous"]),
    }


@pytest.mark.django_db
def test_the_jwks_publishes_the_signing_key_and_the_inactive_ones_each_by_its_own_kid(
    client, publishing
):
    answer = client.get("/o/.well-known/jwks.json")
    published = answer.json()["keys"]
    expected = [kid(publishing[role]) for role in ("active", "next", "previous")]
    assert [k["kid"] for k in published] == expected and len(set(expected)) == 3
    # Public halves only, each the key it names.
    for entry, role in zip(published, ("active", "next", "previous"), strict=True):
        assert entry["alg"] == "RS256" and entry["use"] == "sig" and "d" not in entry
        assert jwk.JWK(**entry).thumbprint() == kid(publishing[role])


@pytest.mark.django_db
def test_id_tokens_are_signed_by_the_active_key_alone(driver, anna, publishing):
    result, _, verifier = driver.login(anna)
    id_token = driver.token(result["code"][0], verifier).json()["id_token"]
    assert header_kid(id_token) == kid(publishing["active"])
    driver.verified_claims(id_token)  # by the published JWKS, iss, aud and exp
    # The next key does not verify it: it did not sign.
    with pytest.raises(jws.InvalidJWSSignature):
        jwt.JWT(jwt=id_token, key=jwk.JWK.from_pem(publishing["next"].encode()), algs=["RS256"])


def test_keys_are_kept_as_public_halves_and_not_set_means_none(tmp_path, keys):
    config = configured(tmp_path, pem(keys["next"]))
    assert config.oidc_inactive_keys == (pem(keys["next"], public=True),)
    assert "PRIVATE" not in config.oidc_inactive_keys[0]
    assert load({"SEGL_ENV": "test"}).oidc_inactive_keys == ()


def _bad_files(keys: dict[str, rsa.RSAPrivateKey]) -> dict[str, tuple[list[str], str]]:
    """A file's blocks, and what the refusal says, by what is wrong with it."""
    good = pem(keys["next"])
    body = good.splitlines()[1:-1]
    encrypted = (
        keys["next"]
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"secret"),
        )
        .decode()
    )
    elliptic = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {
        "empty": ([], "must hold RSA keys in PEM form"),
        "not PEM": (["just some words\n"], "must hold RSA keys in PEM form"),
        "cut short": ([good, good.rsplit("-----END", 1)[0]], "must hold RSA keys in PEM form"),
        "damaged": (
            ["-----BEGIN PRIVATE KEY-----\n" + body[0][:-4] + "\n-----END PRIVATE KEY-----\n"],
            "key 1 .* cannot be read",
        ),
        "encrypted": ([encrypted], "key 1 .* not an unencrypted RSA key"),
        "a certificate": (
            ["-----BEGIN CERTIFICATE-----\nMII=\n-----END CERTIFICATE-----\n"],
            "not an unencrypted RSA key",
        ),
        "elliptic": ([elliptic.decode()], "key 1 .* is not an RSA key"),
        "too short": ([good, pem(new_key(1024))], "key 2 .* has 1024 bits"),
        "listed twice": ([good, pem(keys["next"], public=True)], "key 2 .* listed twice"),
        "the signing key": ([pem(keys["previous"])], "key 1 .* the signing key"),
    }


@pytest.mark.parametrize(
    "wrong",
    [
        "empty",
        "not PEM",
        "cut short",
        "damaged",
        "encrypted",
        "a certificate",
        "elliptic",
        "too short",
        "listed twice",
        "the signing key",
    ],
)
def test_a_bad_file_is_refused_by_the_setting_s_name_and_shows_no_key(tmp_path, keys, wrong):
    blocks, says = _bad_files(keys)[wrong]
    with pytest.raises(ConfigError, match=SETTING) as refused:
        configured(tmp_path, *blocks, active=pem(keys["previous"]))
    message = str(refused.value)
    assert re.search(says, message), message
    for block in blocks:  # no line of a key in the message
        assert not any(len(line) > 8 and line in message for line in block.splitlines()[1:-1])


def test_a_file_that_is_not_there_is_named(tmp_path):
    with pytest.raises(ConfigError, match=f"{SETTING}: .*missing.pem does not exist"):
        load({"SEGL_ENV": "test", SETTING: str(tmp_path / "missing.pem")})


# -- through make cluster -------------------------------------------------------------------------

CACHE_SECONDS = 6.0  # how long the relying party keeps the JWKS it fetched
WAIT_SECONDS = 8.0  # between publishing the next key everywhere and signing with it: longer


class Refused(Exception):
    """The relying party did not accept an ID token."""


@dataclass
class CachingRp:
    """A relying party as common libraries make one: the JWKS is fetched, kept for
    ``CACHE_SECONDS`` and fetched again only then. An ID token naming a ``kid`` it does not
    have is refused, not a reason to fetch the keys again (that would hide the very failure
    this test looks for). Checks the signature, ``iss``, ``aud`` and ``exp``."""

    browser: burst.Browser
    issuer: str
    client_id: str
    keys: jwk.JWKSet | None = None
    fetched_at: float = 0.0
    fetches: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def key_set(self) -> jwk.JWKSet:
        with self.lock:
            if self.keys is None or time.monotonic() - self.fetched_at >= CACHE_SECONDS:
                answer = self.browser.request(
                    "GET", "/o/.well-known/jwks.json", accept="application/json"
                )
                assert answer.status == 200, answer.body[:300]
                self.keys = jwk.JWKSet.from_json(answer.body)
                self.fetched_at, self.fetches = time.monotonic(), self.fetches + 1
            return self.keys

    def validate(self, id_token: str) -> dict[str, Any]:
        try:
            token = jwt.JWT(
                jwt=id_token,
                key=self.key_set(),
                algs=["RS256"],
                check_claims={"iss": self.issuer, "aud": self.client_id, "exp": None},
            )
        except Exception as exc:  # jwcrypto's errors: signature, claims, no such key
            raise Refused(f"{type(exc).__name__}: {exc}") from None
        claims: dict[str, Any] = json.loads(token.claims)
        return claims

    def wait_for_fetch(self, timeout: float = 30) -> None:
        """Until the relying party fetches the JWKS again (on its schedule, during a login)."""
        seen, deadline = self.fetches, time.monotonic() + timeout
        while self.fetches == seen:
            assert time.monotonic() < deadline, "the relying party stopped fetching the JWKS"
            time.sleep(0.02)


@dataclass
class Token:
    kid: str
    node: str
    refused: str = ""  # why the relying party did not accept it, if it did not


class Logins(threading.Thread):
    """Whole logins, one after another, until stopped; each ID token validated by the RP.
    A login is eleven requests (a new browser fetches the stylesheet too): an odd number, so
    HAProxy's round robin sends one login's token request to one node and the next's to the
    other."""

    def __init__(self, target: bench_http.Target, rp: CachingRp) -> None:
        super().__init__(daemon=True)
        self.target, self.rp = target, rp
        self.stopping = threading.Event()
        self.tokens: list[Token] = []
        self.failed: list[str] = []

    def run(self) -> None:
        requests = bench_http._step_requests(self.target)
        # A code is used once: each person logs in again only 31 s later, in a later time
        # step, so the logins start at most this often, taking the people in turn.
        spacing, n, started = 31 / len(self.target.people), 0, time.monotonic()
        while not self.stopping.wait(started + n * spacing - time.monotonic()):
            user_id, seed = self.target.people[n % len(self.target.people)]
            n += 1
            login = bench_http.Login(burst.Browser(self.target.server), user_id, seed)
            try:
                for step in bench_http.STEPS:  # each checks its answer
                    answer = requests[step](login)
                    if step == "user ID page":  # a new browser fetches the stylesheet too
                        stylesheet = re.search(r'rel="stylesheet" href="([^"]+)"', answer.body)
                        assert stylesheet is not None, "the login page has no stylesheet"
                        css = login.browser.get(stylesheet.group(1))
                        assert css.status == 200, f"the stylesheet: {css.status}"
            except Exception as exc:
                self.failed.append(f"{user_id}: {type(exc).__name__}: {str(exc)[:300]}")
                continue
            finally:
                login.browser.close()
            id_token = json.loads(answer.body)["id_token"]
            token = Token(header_kid(id_token), answer.headers["X-Segl-Node"])
            try:
                self.rp.validate(id_token)
            except Refused as exc:
                token.refused = str(exc)
            self.tokens.append(token)

    def wait_for(self, seen: Any, timeout: float = 30) -> Token:
        """Until an ID token for which ``seen(token)`` holds has come."""
        start, deadline = len(self.tokens), time.monotonic() + timeout
        while True:
            for token in self.tokens[start:]:
                if seen(token):
                    return token
            assert not self.failed, self.failed
            assert time.monotonic() < deadline, f"no such ID token in {timeout} s"
            time.sleep(0.02)


def node_kids(cluster: make_cluster.Cluster) -> list[set[str]]:
    """The kids each node publishes, asked of each node directly."""
    kids = []
    for port in cluster.node_ports:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/o/.well-known/jwks.json", headers={"Host": "localhost"}
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            kids.append({k["kid"] for k in json.load(answer)["keys"]})
    return kids


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[make_cluster.Cluster]:
    with clusters.running(
        tmp_path,
        f"segl_rotation_{PORT}",
        nodes=2,
        workers=1,
        port=PORT,
        node_port=PORT + 1,
        redis_url=clusters.own_redis(12),
        settings={"SEGL_RATE_LIMIT_USER": "100000", "SEGL_RATE_LIMIT_IP": "1000000"},
    ) as started:
        yield started


def test_a_rolling_rotation_under_load_fails_no_validation_and_skipping_its_first_phase_does(
    tmp_path, cluster
):
    assert cluster.workdir is not None
    key_files = {}
    for name in ("next", "third"):
        key_files[name] = tmp_path / f"{name}.pem"
        key_files[name].write_text(pem(new_key()), encoding="ascii")
        key_files[name].chmod(0o600)
    key_files["first"] = cluster.workdir / "oidc-signing-key.pem"  # from segl init
    kids = {name: kid(path.read_text()) for name, path in key_files.items()}
    target = clusters.code_people(cluster, PORT, 80)
    rp = CachingRp(
        burst.Browser(target.server), issuer=cluster.url + "/o", client_id=target.rp["client_id"]
    )
    logins = Logins(target, rp)

    def restart(n: int, settings: dict[str, str]) -> None:
        before = len(logins.tokens)
        cluster.restart_node(n, settings)
        assert len(logins.tokens) > before, f"no login finished while node{n} restarted"

    logins.start()
    try:
        logins.wait_for(lambda token: token.kid == kids["first"])
        # 1. The next key published on every node, not signing; then a wait longer than the
        # relying party keeps the JWKS.
        for n in (1, 2):
            restart(n, {SETTING: str(key_files["next"])})
        time.sleep(WAIT_SECONDS)
        # 2. The next key signs, node by node; the first stays published.
        switched = {
            "SEGL_OIDC_PRIVATE_KEY_FILE": str(key_files["next"]),
            SETTING: str(key_files["first"]),
        }
        for n in (1, 2):
            restart(n, switched)
            signed = logins.wait_for(lambda token, n=n: token.node == f"node{n}")
            assert signed.kid == kids["next"], signed
        rotated = list(logins.tokens)
        assert logins.failed == []
        assert [t for t in rotated if t.refused] == []
        assert {t.kid for t in rotated} == {kids["first"], kids["next"]}
        assert node_kids(cluster) == [{kids["next"], kids["first"]}] * 2

        # The mistake: the third key signs on node 1 at once, never published before. The
        # relying party has just fetched the JWKS, as it would have at any moment.
        rp.wait_for_fetch()
        fetched = time.monotonic()
        restart(1, {"SEGL_OIDC_PRIVATE_KEY_FILE": str(key_files["third"]),
                    SETTING: str(key_files["next"])})  # fmt: skip
        first = logins.wait_for(lambda token: token.kid == kids["third"])
        took = time.monotonic() - fetched
        assert took < CACHE_SECONDS, f"the node took {took:.1f} s: the cache had run out"
        assert first.node == "node1"
        assert "JWTMissingKey" in first.refused, first
        assert logins.failed == []
        assert {t.kid for t in logins.tokens if t.refused} == {kids["third"]}
    finally:
        logins.stopping.set()
        logins.join(timeout=60)
