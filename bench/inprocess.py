"""A login's ten requests through Django's WSGI handler in this process, as a server would make
them: no test client, no instrumentation. Used by ``profile_login.py``."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

from bench.bench_http import STEPS
from segl.core import otp

REDIRECT = "http://localhost:8000/bench-rp/callback"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Browser:
    """Django's WSGI application and the relying party's credentials."""

    handler: Any
    client_id: str
    basic: str

    @classmethod
    def with_relying_party(cls) -> Browser:
        from django.core.wsgi import get_wsgi_application

        from segl.oidc.services import rp_add

        app, secret = rp_add(name="Bench", redirect_uris=[REDIRECT])
        basic = "Basic " + base64.b64encode(f"{app.client_id}:{secret}".encode()).decode()
        return cls(get_wsgi_application(), app.client_id, basic)

    def call(
        self,
        method: str,
        path: str,
        *,
        cookies: dict[str, str],
        form: dict[str, str] | None = None,
        authorization: str = "",
    ) -> Answer:
        target = urlsplit(path)
        body = urlencode(form).encode() if form is not None else b""
        environ = {
            "REQUEST_METHOD": method,
            "PATH_INFO": target.path,
            "QUERY_STRING": target.query,
            "SERVER_NAME": "localhost",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "HTTP_HOST": "localhost:8000",
            "HTTP_ACCEPT": "text/html",
            "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies.items()),
            "wsgi.input": io.BytesIO(body),
            "wsgi.url_scheme": "http",
            "wsgi.errors": io.StringIO(),
            "wsgi.version": (1, 0),
            "wsgi.multithread": True,
            "wsgi.multiprocess": False,
            "wsgi.run_once": False,
        }
        if form is not None:
            environ["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
            environ["CONTENT_LENGTH"] = str(len(body))
        if authorization:
            environ["HTTP_AUTHORIZATION"] = authorization
        started: dict[str, Any] = {}

        def start_response(
            status: str, headers: list[tuple[str, str]], exc_info: Any = None
        ) -> Any:
            started["status"], started["headers"] = status, headers
            return lambda data: None

        result = self.handler(environ, start_response)
        try:
            content = b"".join(result)
        finally:
            getattr(result, "close", lambda: None)()
        headers: dict[str, str] = {}
        for name, value in started["headers"]:
            if name.lower() == "set-cookie":
                cookie = SimpleCookie(value)
                cookies.update({k: m.value for k, m in cookie.items()})
            headers[name.lower()] = value
        return Answer(int(started["status"].split()[0]), headers, content)


def _expect(answer: Answer, status: int, what: str) -> Answer:
    if answer.status != status:
        raise AssertionError(f"{what}: {answer.status}, expected {status}: {answer.body[:300]!r}")
    return answer


@dataclass
class Login:
    user_id: str
    seed: bytes
    password: str
    cookies: dict[str, str] = field(default_factory=dict)
    verifier: str = field(default_factory=lambda: secrets.token_urlsafe(48))
    path: str = ""
    csrf: str = ""
    code: str = ""

    def authorize(self, browser: Browser) -> None:
        challenge = hashlib.sha256(self.verifier.encode()).digest()
        params = {
            "response_type": "code",
            "client_id": browser.client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": base64.urlsafe_b64encode(challenge).rstrip(b"=").decode(),
            "code_challenge_method": "S256",
        }
        answer = browser.call("GET", "/o/authorize/?" + urlencode(params), cookies=self.cookies)
        self.path = urlsplit(_expect(answer, 302, "authorize").headers["location"]).path

    def page(self, browser: Browser) -> None:
        answer = _expect(browser.call("GET", self.path, cookies=self.cookies), 200, "page")
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', answer.body)
        self.csrf = found.group(1).decode() if found else self.csrf

    def post(self, browser: Browser, form: dict[str, str]) -> None:
        form = {"csrfmiddlewaretoken": self.csrf, **form}
        answer = browser.call("POST", self.path, cookies=self.cookies, form=form)
        _expect(answer, 302, f"post {form.get('step')}")

    def user_id_step(self, browser: Browser) -> None:
        self.post(browser, {"step": "user_id", "user_id": self.user_id})

    def code_step(self, browser: Browser) -> None:
        self.post(browser, {"step": "code", "code": otp.totp_code(self.seed, datetime.now(UTC))})

    def password_step(self, browser: Browser) -> None:
        self.post(browser, {"step": "password", "password": self.password})

    def finish(self, browser: Browser) -> None:
        flow_id = self.path.rstrip("/").split("/")[-1]
        answer = browser.call("GET", f"/o/finish/{flow_id}/", cookies=self.cookies)
        location = _expect(answer, 302, "finish").headers["location"]
        self.code = parse_qs(urlsplit(location).query)["code"][0]

    def token(self, browser: Browser) -> None:
        form = {
            "grant_type": "authorization_code",
            "code": self.code,
            "redirect_uri": REDIRECT,
            "code_verifier": self.verifier,
        }
        answer = browser.call(
            "POST", "/o/token/", cookies={}, form=form, authorization=browser.basic
        )
        if b"id_token" not in _expect(answer, 200, "token").body:
            raise AssertionError("token: no ID token")

    STEPS: ClassVar[tuple[Callable[[Login, Browser], None], ...]]
    NAMES: ClassVar = STEPS  # bench_http.py's names of the ten requests, in order


Login.STEPS = (
    Login.authorize,
    Login.page,
    Login.user_id_step,
    Login.page,
    Login.code_step,
    Login.page,
    Login.password_step,
    Login.page,
    Login.finish,
    Login.token,
)
