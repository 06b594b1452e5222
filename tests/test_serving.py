"""``segl serve``'s application (segl.serving, decision 38) as a real process: views run on a
fixed set of threads, long-polls beside them on the event loop, and a request beyond the queue
is turned away with 503 and Retry-After before it reaches Django."""

from __future__ import annotations

import os
import socket
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from bench import burst
from segl.database import RETRY_AFTER_SECONDS
from segl.serving import MAX_BODY, _is_async_view

PORT = int(os.environ["SEGL_TEST_PORT"])
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> burst.Site:
    """A demo site on SQLite, made once for the module."""
    workdir = tmp_path_factory.mktemp("serving")
    return burst.prepare_site(
        workdir,
        database_url=f"sqlite:///{workdir / 'segl.sqlite3'}",
        redis_url="",
        port=burst.free_port(range(PORT + 16, PORT + 20)),
    )


def test_long_polls_are_told_apart_from_other_views_by_their_code():
    assert _is_async_view("/login/some-flow/app/status")
    assert _is_async_view("/app/api/requests/pending")
    assert not _is_async_view("/login/some-flow/")
    assert not _is_async_view("/o/token/")
    assert not _is_async_view("/no/such/page/")


def test_one_thread_held_the_next_request_is_turned_away_and_a_long_poll_still_answers(site):
    # One thread, no queue. A login that starts takes the thread and waits for the database's
    # write lock, which this test holds; the next request finds no thread and no place to wait.
    server = burst.start_server(
        site, workers=1, settings={"SEGL_SERVER_THREADS": "1", "SEGL_SERVER_QUEUE": "0"}
    )
    database = site.database_url.removeprefix("sqlite:///")
    lock = sqlite3.connect(database, isolation_level=None, timeout=20)
    held: list[burst.Answer] = []
    waiting_since: list[float] = []

    def log_in() -> None:
        # Its first try may itself find the thread busy (the answer before it is sent a moment
        # before its thread is free): it tries until it is the one that holds the thread.
        while not held or held[-1].status == 503:
            waiting_since.append(time.monotonic())
            held.append(burst.Browser(server).get(burst.authorize_path(server)))

    try:
        lock.execute("BEGIN IMMEDIATE")
        login = threading.Thread(target=log_in)
        login.start()
        deadline = time.monotonic() + 20
        # Held: its request has been waiting half a second on the thread.
        while len(held) == len(waiting_since) or time.monotonic() - waiting_since[-1] < 0.5:
            assert time.monotonic() < deadline, server.log_tail()
            time.sleep(0.05)
        turned_away = burst.Browser(server).get("/healthz")
        api = burst.Browser(server).request("GET", "/healthz", accept="application/json")
        # A long-poll runs beside the views' threads: it answers although the one thread is
        # held (an unknown login: 404 from the view itself, not 503).
        poll = burst.Browser(server).request(
            "GET", "/login/no-such-flow/app/status?wait=0", accept="application/json"
        )
        lock.execute("ROLLBACK")  # the login goes on
        login.join(timeout=30)
        # Served again once the thread is free (it ends Django's request a moment after the
        # login's answer is sent).
        deadline = time.monotonic() + 5
        while (after := burst.Browser(server).get("/healthz")).status == 503:
            assert time.monotonic() < deadline
            time.sleep(0.05)
    finally:
        lock.close()
        server.stop()
    assert turned_away.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert turned_away.headers["Content-Type"].startswith("text/html")
    assert "segl har meget travlt lige nu" in turned_away.body
    assert "segl is very busy right now" in turned_away.body
    assert "Intet blev ændret" in turned_away.body
    assert api.status == 503 and '"error": "temporarily_unavailable"' in api.body
    assert poll.status == 404 and '"error": "not_found"' in poll.body
    assert held[-1].status == 302  # it waited for the lock on its thread, and got it
    assert turned_away.status == 503
    assert after.status == 200
    assert "Traceback" not in server.log_tail(200)


def test_a_queue_lets_a_burst_wait_for_the_threads(site):
    # Two threads and the default queue: 60 requests at once are all served, none turned away.
    server = burst.start_server(site, workers=1, settings={"SEGL_SERVER_THREADS": "2"})
    try:
        result = burst.fire(server, burst.burst_requests(server, 60))
    finally:
        server.stop()
    assert result.failures == [], server.log_tail()
    assert 503 not in result.statuses and 500 not in result.statuses, result.statuses
    assert set(result.statuses) <= burst.EXPECTED, result.statuses


def _raw(server: burst.Server, parts: list[bytes], pause: float = 0.2) -> bytes:
    """Sends a request in ``parts`` with a pause between them; the server's whole answer."""
    with socket.create_connection((server.host, server.port), timeout=20) as sock:
        for n, part in enumerate(parts):
            if n:
                time.sleep(pause)
            sock.sendall(part)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer


def test_a_body_sent_in_pieces_reaches_the_view_whole_and_too_much_is_refused(site):
    server = burst.start_server(site, workers=1)
    try:
        form = b"grant_type=authorization_code&code=not-a-code&redirect_uri=x"
        head = (
            b"POST /o/token/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n" % len(form)
        )
        # Cut inside "authorization_code": a view that saw the first piece alone would find
        # the grant type "authori" and answer unsupported_grant_type.
        whole = _raw(server, [head + form[:17], form[17:]])
        assert whole.startswith(b"HTTP/1.1 401"), whole[:200]
        assert b'"invalid_client"' in whole
        # More than MAX_BODY: 413 before Django, in both languages, and nothing else breaks.
        big = b"x" * (MAX_BODY + 1)
        too_much = _raw(
            server,
            [
                b"POST /o/token/ HTTP/1.1\r\nHost: localhost\r\nAccept: text/html\r\n"
                b"Content-Length: %d\r\n\r\n" % len(big) + big
            ],
        )
        after = burst.Browser(server).get("/healthz")
    finally:
        server.stop()
    assert too_much.startswith(b"HTTP/1.1 413"), too_much[:200]
    assert b"Der blev sendt for meget data" in too_much
    assert b"Too much data was sent" in too_much
    assert after.status == 200
    assert "Traceback" not in server.log_tail(200)


def test_a_streamed_answer_arrives_whole(site):
    # A static file is a streamed answer (WhiteNoise's FileResponse): sent from its thread
    # piece by piece, not gathered first.
    stylesheet = (ROOT / "src" / "segl" / "web" / "static" / "segl" / "segl.css").read_bytes()
    server = burst.start_server(site, workers=1)
    try:
        answer = burst.Browser(server).get("/static/segl/segl.css")
    finally:
        server.stop()
    assert answer.status == 200
    assert answer.body.encode() == stylesheet
