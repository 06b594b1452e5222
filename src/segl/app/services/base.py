"""What every part of the app's services shares: its refusals and its policy."""

from __future__ import annotations

import hashlib

from django.conf import settings

from segl.config import AppPolicy
from segl.core.errors import AppProtocolError

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


def policy() -> AppPolicy:
    """The app's rules in numbers (``SEGL_APP_*``), as configured now."""
    app: AppPolicy = settings.CONFIG.app
    return app


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
