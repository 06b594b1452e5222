"""A browser logged in at the desk. As the portal's tests do, the login the callback would keep
goes straight into the session; the end-to-end tests log in through segl."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from segl import clock
from segl.desk.auth import DESK


def desk_login(identity: Any, *, acr: str = "substantial") -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    session = client.session
    now = int(clock.now().timestamp())
    session[DESK.session_key] = {
        "identity": str(identity.pk),
        "auth_time": now,
        "acr": acr,
        "seen": now,
        "epoch": identity.session_epoch,
    }
    session.save()
    client.cookies["sessionid"] = session.session_key
    return client


@pytest.fixture
def desk(staff):
    return desk_login(staff.operator)
