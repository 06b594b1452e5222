"""Fixtures for the app: an activated app emulator, speaking through the test client."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from segl.app.emulator import AppEmulator, DjangoClientTransport
from tests.conftest import Person, make_person

PIN = "2580"


def temporary_pin(phone: str) -> str:
    """The temporary PIN code as the phone receives it: the newest message to ``phone`` sent
    for that purpose, and the one six-digit code in it (in whatever language it is written)."""
    from segl.notify.models import OutboxMessage

    sms = OutboxMessage.objects.filter(to=phone, purpose="temporary_pin").latest("id")
    codes = set(re.findall(r"(?<!\d)\d{6}(?!\d)", sms.text))
    assert len(codes) == 1, "one temporary PIN code in the message"
    return codes.pop()


def issue_code(person: Person) -> str:
    from segl.app.services import activation_code_issue

    return activation_code_issue(identity=person.identity, now=datetime.now(UTC), issued_by="test")


def emulator(client: Client | None = None) -> AppEmulator:
    return AppEmulator(
        settings.CONFIG.base_url, transport=DjangoClientTransport(client or Client())
    )


def activate(app: AppEmulator, person: Person, pin: str = PIN) -> dict[str, Any]:
    activation = app.start_activation(person.user_id, issue_code(person))
    return app.finish_activation(
        activation,
        user_id=person.user_id,
        temporary_pin=temporary_pin(person.identity.person.phone),
        pin=pin,
    )


@dataclass
class AppUser:
    person: Person
    app: AppEmulator

    @property
    def user_id(self) -> str:
        return self.person.user_id


@pytest.fixture
def bo(db: Any) -> AppUser:
    """Bo has the app (his preferred method) and a code display."""
    person = make_person("bo-app-5678")
    app = emulator()
    activate(app, person)
    person.identity.preferred_method = "app"
    person.identity.save(update_fields=["preferred_method"])
    return AppUser(person=person, app=app)
