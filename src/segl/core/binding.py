"""Channel binding: the app proves it is near the browser that started the login (DESIGN §4).

It scans the browser's animated QR code, ``segl.<flow>.<t>.<HMAC-SHA256(secret, t)>``, new every
second (BankID style), or the citizen types the browser's one-time code into it. A scan older
than a few seconds is refused. Pure: times are passed in, nothing is stored.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from .clock import require_aware
from .errors import BindingInvalid
from .jose import b64

__all__ = [
    "QrScan",
    "check_binding_code",
    "check_qr",
    "new_binding_code",
    "parse_qr",
    "qr_payload",
]

_QR = re.compile(r"segl\.([A-Za-z0-9_-]{1,64})\.([0-9]{1,12})\.([A-Za-z0-9_-]{43})")


def _qr_mac(secret: bytes, t: int) -> str:
    return b64(hmac.new(secret, str(t).encode(), hashlib.sha256).digest())


def qr_payload(flow_id: str, t: int, secret: bytes) -> str:
    """The QR code's text for second ``t`` (Unix time) of a flow."""
    return f"segl.{flow_id}.{t}.{_qr_mac(secret, t)}"


@dataclass(frozen=True)
class QrScan:
    flow_id: str
    t: int
    mac: str


def parse_qr(payload: str) -> QrScan:
    match = _QR.fullmatch(payload.strip()) if isinstance(payload, str) else None
    if match is None:
        raise BindingInvalid("qr_malformed")
    return QrScan(flow_id=match[1], t=int(match[2]), mac=match[3])


def check_qr(
    scan: QrScan, *, flow_id: str, secret: bytes, now: datetime, max_age: timedelta
) -> None:
    """Accept a scan only of this flow's code, made with its secret, at most ``max_age`` old
    (and not from the future, beyond a second of clock difference between nodes)."""
    if not hmac.compare_digest(scan.flow_id, flow_id):
        raise BindingInvalid("qr_other_flow")
    if not hmac.compare_digest(scan.mac, _qr_mac(secret, scan.t)):
        raise BindingInvalid("qr_forged")
    age = require_aware(now).timestamp() - scan.t
    if age > max_age.total_seconds() or age < -1:
        raise BindingInvalid("qr_stale")


def new_binding_code(length: int) -> str:
    """A one-time code of ``length`` digits for the browser to show (4 by default, seed 003)."""
    if not 4 <= length <= 10:
        raise ValueError("a one-time code has 4 to 10 digits")
    return "".join(secrets.choice("0123456789") for _ in range(length))


def check_binding_code(given: str, expected: str) -> None:
    digits = "".join(given.split()) if isinstance(given, str) else ""
    if not hmac.compare_digest(digits.encode(), expected.encode()):
        raise BindingInvalid("code_wrong")
