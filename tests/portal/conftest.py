"""Fixtures for the portal: citizens with devices, and a browser session logged in to the portal.

Logging in to the portal is an OpenID Connect login at segl; the end-to-end tests run it in a
browser. Here, as Django's ``force_login`` does, a test puts the login the callback would have
kept straight into the session, so each test looks at one portal rule.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client

from segl import clock as segl_clock
from segl.oidc.own_login import OwnLogin
from segl.orders.services import order_advance, order_place
from segl.portal import auth
from tests.conftest import Person, Token, make_device


def english() -> Client:
    """Another browser, reading pages in English like the ``client`` fixture."""
    browser = Client()
    browser.cookies["django_language"] = "en"
    return browser


def keep_login(
    client: Client,
    login: OwnLogin,
    identity: Any,
    *,
    minutes_ago: float = 0,
    acr: str = "substantial",
) -> Client:
    """Put the login ``login``'s callback would keep (one of segl's own faces) into the session."""
    session = client.session
    now = int(segl_clock.now().timestamp())
    session[login.session_key] = {
        "identity": str(identity.pk),
        "auth_time": now - int(minutes_ago * 60),
        "acr": acr,
        "seen": now,
        "epoch": identity.session_epoch,
    }
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


def portal_login(client: Client, person: Person, *, minutes_ago: float = 0) -> Client:
    return keep_login(client, auth.PORTAL, person.identity, minutes_ago=minutes_ago)


@pytest.fixture
def logged_in(client: Client, eva: Person) -> Client:
    return portal_login(client, eva)


def send(
    register_person: Any,
    kind: str,
    serial: str,
    *,
    key: str = "",
    steps: tuple[str, ...] = ("packed", "shipped", "delivered"),
    now: datetime | None = None,
) -> None:
    """Order a device of ``kind`` for a person in the register and take the order through
    ``steps``; packing must take the one with ``serial`` (the only one in stock)."""
    now = now or datetime.now(UTC)
    order = order_place(
        key=key or f"key-{serial}",
        kind=kind,
        person=register_person,
        identified_by="login",
        delivery="post",
        now=now,
    )
    for step in steps:
        order = order_advance(reference=order.reference, to=step, now=now, actor="test")
    assert order.device is not None and order.device.serial == serial, "the only one in stock"


def shipped_device(person: Person, kind: str = "code_display", key: str = "") -> Token:
    """Order a device for ``person`` and send it: it arrives assigned to them."""
    token = make_device(kind)
    send(person.identity.person, kind, token.serial, key=key)
    return token
