"""A browser logged in at the desk. As the portal's tests do, the login the callback would keep
goes straight into the session; the end-to-end tests log in through segl."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from segl.desk.auth import DESK
from tests.portal.conftest import keep_login


def desk_login(identity: Any, *, acr: str = "substantial") -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    return keep_login(client, DESK, identity, acr=acr)


@pytest.fixture
def desk(staff):
    return desk_login(staff.operator)
