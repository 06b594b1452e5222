"""How the emulated app reaches segl: HTTP through httpx, or Django's test client in tests."""

from __future__ import annotations

import json
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx


class AppError(Exception):
    """segl refused a request; ``reason`` is the API's stable reason code."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.error = str(body.get("error", "error"))
        self.reason = str(body.get("reason", self.error))
        self.body = body
        super().__init__(f"{status} {self.error}: {self.reason}")


class Transport(Protocol):
    def request(
        self, method: str, url: str, *, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]: ...


class HttpTransport:
    """HTTP through httpx, over one pool of connections for the emulator's life.

    Like the app, it keeps no cookies: a cookie goes only where a call names one (the login
    browser's, for a binding on the same device).
    """

    def __init__(self, timeout: float = 35.0) -> None:
        # Longer than the longest long-poll (25 seconds) the app API holds a call open.
        self.client = httpx.Client(
            timeout=timeout,
            headers={"Accept": "application/json"},
            cookies=CookieJar(policy=DefaultCookiePolicy(allowed_domains=())),
        )

    def request(
        self, method: str, url: str, *, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        if not url.startswith(("http://", "https://")):
            raise ValueError("segl is reached over http or https")
        try:
            response = self.client.request(method, url, json=body, headers=headers)
        except httpx.TransportError as exc:
            # An OSError, as the network's own errors are, for callers that report those.
            raise ConnectionError(f"cannot reach segl at {url}: {exc}") from exc
        answer: dict[str, Any] = json.loads(response.content or b"{}")
        return response.status_code, answer

    def close(self) -> None:
        self.client.close()


class DjangoClientTransport:
    """Through Django's test client (``django.test.Client``), for tests in process."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def request(
        self, method: str, url: str, *, body: dict[str, Any] | None, headers: dict[str, str]
    ) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if method == "GET":
            response = self.client.get(path, headers=headers)
        else:
            response = self.client.generic(
                method,
                path,
                json.dumps(body or {}),
                content_type="application/json",
                headers=headers,
            )
        return response.status_code, json.loads(response.content or b"{}")
