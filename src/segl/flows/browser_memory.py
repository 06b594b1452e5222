"""The browser's memory of how it logs in: for each user ID that logged in from this browser,
the method it used, so that the next login here starts with that method (decision 17).

The memory is a cookie signed by segl, holding keyed hashes of user IDs (never the IDs) and
method names. It is written only after a login succeeded, so it tells nobody anything they had
not proven; a value segl did not sign is ignored.
"""

from __future__ import annotations

from typing import Any

from django.core import signing
from django.http import HttpRequest, HttpResponse

from segl.http import YEAR, cookie_name, set_site_cookie
from segl.identities import throttles

COOKIE = "segl_methods"
KEEP = 5  # a household shares a computer; a few user IDs are enough
_SALT = "segl.flows.browser_memory"


def _key(user_id: str) -> str:
    return throttles.keyed("browser memory", user_id.strip().casefold())[:32]


def _entries(request: HttpRequest) -> list[tuple[str, str]]:
    value = request.COOKIES.get(cookie_name(COOKIE), "")
    if not value:
        return []
    try:
        loaded: Any = signing.loads(value, salt=_SALT, max_age=YEAR)
    except signing.BadSignature:
        return []
    if not isinstance(loaded, list):
        return []
    return [
        (str(entry[0]), str(entry[1]))
        for entry in loaded
        if isinstance(entry, list) and len(entry) == 2
    ][:KEEP]


def recall(request: HttpRequest, user_id: str) -> str:
    """The method this browser last logged in with as ``user_id``, or ""."""
    key = _key(user_id)
    return next((method for k, method in _entries(request) if k == key), "")


def remember(request: HttpRequest, response: HttpResponse, *, user_id: str, method: str) -> None:
    """Note on ``response`` that this browser logged in as ``user_id`` by ``method``."""
    key = _key(user_id)
    entries = [(key, method)] + [(k, m) for k, m in _entries(request) if k != key]
    set_site_cookie(response, COOKIE, signing.dumps([list(e) for e in entries[:KEEP]], salt=_SALT))
