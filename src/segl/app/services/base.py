"""What every part of the app's services shares: its refusals and its policy."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings

from segl.core.errors import (
    AppProtocolError,
)

MAX_APPS = 3
PIN_MAX_FAILURES = 5
CODE_MAX_FAILURES = 3
TEMPORARY_PIN_MAX_FAILURES = 3
REQUESTS_PER_WINDOW = 5
REQUEST_WINDOW = timedelta(minutes=10)
ACTIVATION_MINUTES = 10
ACTIVATION_CODE_DAYS = 7
ONE_TIME_CODES_DELAY = timedelta(hours=24)
COPY_MINUTES = 3
COPY_PREFIX = "segl-copy."
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


class AppRefused(AppProtocolError):
    """The request breaks a rule the citizen or the app must be told about (``reason``)."""

    code = "app_refused"
    audited = False  # True once the refusal is in the audit log


class WrongPin(AppProtocolError):
    code = "pin_wrong"

    def __init__(self, remaining: int) -> None:
        super().__init__("pin_wrong")
        self.remaining = remaining


def config() -> Any:
    return settings.CONFIG


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
