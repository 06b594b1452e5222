"""The emulated app's HTTP transport (httpx): JSON both ways, no cookies of its own, and a
network failure as an ``OSError`` that the ``segl app`` commands report."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from segl.app.emulator import HttpTransport


class Echo(BaseHTTPRequestHandler):
    """Answers with what it received, sets a cookie, and answers 409 to ``/refuse``."""

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode() if length else ""
        answer = {
            "method": self.command,
            "path": self.path,
            "cookie": self.headers.get("Cookie"),
            "content_type": self.headers.get("Content-Type"),
            "body": json.loads(body) if body else None,
        }
        data = json.dumps(answer).encode()
        self.send_response(409 if self.path == "/refuse" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Set-Cookie", "tracker=1; Path=/")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_a_call_sends_json_and_reads_the_json_answer(server: str) -> None:
    status, answer = HttpTransport().request(
        "POST", server + "/app/api/unlock?wait=1", body={"pin": "2580"}, headers={}
    )
    assert status == 200
    assert answer["method"] == "POST" and answer["path"] == "/app/api/unlock?wait=1"
    assert answer["body"] == {"pin": "2580"}
    assert answer["content_type"] == "application/json"


def test_a_refusal_is_returned_with_its_status(server: str) -> None:
    status, answer = HttpTransport().request("GET", server + "/refuse", body=None, headers={})
    assert status == 409 and answer["method"] == "GET" and answer["body"] is None


def test_no_cookie_is_kept_and_only_a_named_one_is_sent(server: str) -> None:
    transport = HttpTransport()
    transport.request("GET", server + "/", body=None, headers={})
    _, again = transport.request("GET", server + "/", body=None, headers={})
    assert again["cookie"] is None
    _, named = transport.request("GET", server + "/", body=None, headers={"Cookie": "b=1"})
    assert named["cookie"] == "b=1"


def test_an_unreachable_server_is_an_oserror() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(OSError, match="cannot reach segl"):
        HttpTransport(timeout=2).request("GET", f"http://127.0.0.1:{port}/", body=None, headers={})


def test_only_http_and_https_are_spoken() -> None:
    with pytest.raises(ValueError, match="http or https"):
        HttpTransport().request("GET", "file:///etc/passwd", body=None, headers={})
