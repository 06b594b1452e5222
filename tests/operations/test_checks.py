"""segl's system checks (segl.checks): run by Django's check command, each with an id and a
hint."""

from __future__ import annotations

from io import StringIO
from ipaddress import ip_network

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from segl.checks import check_configuration

HTTPS = "https://id.example"


def test_the_test_configuration_passes_the_check_command():
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()
    assert check_configuration() == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"env": "production", "debug": True, "base_url": HTTPS}, "segl.E001"),
        ({"secret_key": "x" * 40}, "segl.E002"),
        ({"secret_key": "django-insecure-" + "abcdefgh" * 5}, "segl.E002"),
        ({"trusted_proxies": (ip_network("0.0.0.0/0"),)}, "segl.E003"),
        ({"trusted_proxies": (ip_network("::/0"),)}, "segl.E003"),
    ],
)
def test_errors_fail_the_check_command(config, changes, expected):
    config(**changes)
    with pytest.raises(SystemCheckError, match=expected):
        call_command("check", stdout=StringIO(), stderr=StringIO())
    (message,) = [m for m in check_configuration() if m.id == expected]
    assert message.hint and message.is_serious()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"env": "production", "base_url": "http://localhost:8000"}, "segl.W001"),
        ({"env": "production", "redis_url": None, "base_url": HTTPS}, "segl.W002"),
        ({"trusted_proxies": (ip_network("10.0.0.0/8"),)}, "segl.W003"),
        ({"trusted_proxies": (ip_network("2001:db8::/32"),)}, "segl.W003"),
        ({"env": "production", "base_url": HTTPS}, "segl.W004"),
    ],
)
def test_warnings_are_shown_and_pass(config, changes, expected):
    config(**changes)
    err = StringIO()
    call_command("check", stdout=StringIO(), stderr=err)
    assert expected in err.getvalue()
    (message,) = [m for m in check_configuration() if m.id == expected]
    assert message.hint and not message.is_serious()


def test_a_production_configuration_done_right_has_nothing_to_say(config):
    config(
        env="production",
        base_url=HTTPS,
        redis_url="redis://cache:6379/0",
        trusted_proxies=(ip_network("10.0.0.5/32"), ip_network("fd00:1::/64")),
    )
    assert check_configuration() == []
