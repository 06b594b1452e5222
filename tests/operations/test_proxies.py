"""Behind reverse proxies: the client's address comes from X-Forwarded-For only where the peer
is a proxy segl trusts (``SEGL_TRUSTED_PROXIES``), walked from the right (decision 26)."""

from __future__ import annotations

from ipaddress import ip_network
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.test import override_settings

from segl.audit.models import AuditEvent
from segl.config import ConfigError, load
from segl.http import forwarded_client

PROXIES = (ip_network("10.0.0.0/24"), ip_network("fd00::/64"))


@pytest.mark.parametrize(
    ("peer", "header", "client"),
    [
        # Not from a proxy of ours: the header is the client's own words, ignored.
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),
        ("198.51.100.9", "10.0.0.1", "198.51.100.9"),
        # One proxy: what it saw.
        ("10.0.0.1", "203.0.113.7", "203.0.113.7"),
        # A client's own entry stands left of what our proxy appended: never reached.
        ("10.0.0.1", "1.2.3.4, 203.0.113.7", "203.0.113.7"),
        # Two proxies of ours, then the client.
        ("10.0.0.1", "203.0.113.7, 10.0.0.2", "203.0.113.7"),
        ("10.0.0.1", "1.2.3.4,203.0.113.7 , 10.0.0.2", "203.0.113.7"),
        # IPv6 and the forms proxies write.
        ("fd00::1", "2001:db8::7", "2001:db8::7"),
        ("10.0.0.1", "[2001:db8::7]:443", "2001:db8::7"),
        ("10.0.0.1", "203.0.113.7:51000", "203.0.113.7"),
        ("::ffff:10.0.0.1", "::ffff:203.0.113.7", "203.0.113.7"),
        # No header, or only proxies: as far as is known.
        ("10.0.0.1", "", "10.0.0.1"),
        ("10.0.0.1", "10.0.0.3, 10.0.0.2", "10.0.0.3"),
        # Malformed: stop at the last address a proxy of ours vouched for.
        ("10.0.0.1", "unknown", "10.0.0.1"),
        ("10.0.0.1", "203.0.113.7, garbage, 10.0.0.2", "10.0.0.2"),
        ("10.0.0.1", "203.0.113.7,,", "10.0.0.1"),
        ("10.0.0.1", ", ".join(["203.0.113.7"] * 40), "10.0.0.1"),
        ("", "203.0.113.7", ""),
    ],
)
def test_the_client_is_the_first_untrusted_hop_from_the_right(peer, header, client):
    assert forwarded_client(peer, header, PROXIES) == client


def test_without_trusted_proxies_the_header_is_never_read():
    assert forwarded_client("10.0.0.1", "203.0.113.7", ()) == "10.0.0.1"


def test_the_setting_is_checked_at_start_up():
    base = {"SEGL_ENV": "test"}
    assert load(base).trusted_proxies == ()
    loaded = load({**base, "SEGL_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16,fd00::/8"})
    assert [str(n) for n in loaded.trusted_proxies] == ["10.0.0.5/32", "10.1.0.0/16", "fd00::/8"]
    for bad in ("10.0.0.300", "proxy.example", "10.1.0.1/16", "10.0.0.0/33"):
        with pytest.raises(ConfigError, match="SEGL_TRUSTED_PROXIES"):
            load({**base, "SEGL_TRUSTED_PROXIES": bad})


def _authorize(driver, **meta):
    params, _ = driver.rp.authorize_params()
    return driver.client.get("/o/authorize/?" + urlencode(params), **meta)


def _started_from() -> str:
    return AuditEvent.objects.filter(action="flow.start").latest("id").ip


@pytest.fixture
def behind_proxies(config):
    cache.clear()
    config(trusted_proxies=PROXIES, rate_limit_ip_per_minute=2)
    yield
    cache.clear()


def test_a_spoofed_header_from_an_untrusted_peer_is_ignored(driver, behind_proxies):
    statuses = []
    for n in range(3):  # a new made-up address each time does not buy more tries
        spoofed = f"203.0.113.{n + 1}"
        response = _authorize(driver, REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR=spoofed)
        statuses.append(response.status_code)
        if response.status_code == 302:
            assert _started_from() == "198.51.100.9"
    assert statuses == [302, 302, 429]


def test_a_client_behind_two_trusted_proxies_is_seen_and_audited(driver, behind_proxies):
    forwarded = "1.2.3.4, 203.0.113.7, 10.0.0.2"  # the client's own, what the edge saw, ours
    response = _authorize(driver, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert response.status_code == 302
    assert _started_from() == "203.0.113.7"


def test_the_rate_limit_counts_each_client_behind_the_proxy(driver, behind_proxies):
    def through_proxy(client: str) -> int:
        return _authorize(driver, REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=client).status_code

    assert [through_proxy("203.0.113.7") for _ in range(3)] == [302, 302, 429]
    # Another client behind the same proxy is not held back by the first one's attempts.
    assert through_proxy("203.0.113.8") == 302
    # Nor can the first escape its limit by writing another address in front of its own.
    assert through_proxy("203.0.113.99, 203.0.113.7") == 429


@pytest.mark.parametrize(("peer", "secure"), [("198.51.100.9", False), ("10.0.0.1", True)])
def test_only_a_trusted_proxy_may_say_the_client_used_https(
    db, client, behind_proxies, peer, secure
):
    # As in production with an https:// base URL: HSTS is sent on requests that came by HTTPS.
    with override_settings(
        SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"), SECURE_HSTS_SECONDS=31536000
    ):
        response = client.get("/healthz", REMOTE_ADDR=peer, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200
    assert ("Strict-Transport-Security" in response.headers) is secure
