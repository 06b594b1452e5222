"""The request and security logs: JSON lines, and never a secret, code, PIN, password or whole
CPR number in them (segl.logs, decision 26)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network
from typing import Any

import pytest
from django.conf import settings

from segl.logs import JsonFormatter, mask
from tests.conftest import PASSWORD, make_person


class Lines(logging.Handler):
    """The lines segl's loggers write, formatted as in production (settings.LOGGING)."""

    def __init__(self) -> None:
        super().__init__(level=logging.INFO)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))

    def of(self, logger: str) -> list[dict[str, Any]]:
        entries = [json.loads(line) for line in self.lines]
        return [entry for entry in entries if entry["logger"] == logger]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def logged() -> Iterator[Lines]:
    handler = Lines()
    segl = logging.getLogger("segl")
    level = segl.level
    segl.addHandler(handler)
    segl.setLevel(logging.INFO)
    yield handler
    segl.removeHandler(handler)
    segl.setLevel(level)


def test_the_logs_are_json_lines_on_standard_error_at_the_configured_level():
    handler = settings.LOGGING["handlers"]["stderr"]
    assert handler["stream"] == "ext://sys.stderr"
    assert settings.LOGGING["formatters"][handler["formatter"]]["()"] == "segl.logs.JsonFormatter"
    assert settings.LOGGING["loggers"]["segl"]["level"] == settings.CONFIG.log_level
    level = logging.getLogger("segl").getEffectiveLevel()
    assert logging.getLevelName(level) == settings.CONFIG.log_level


def test_each_request_is_one_line_without_its_query_string(db, client, logged):
    response = client.get("/healthz?code=123456&token=not-for-the-log")
    (line,) = logged.of("segl.request")
    assert line["event"] == "request" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/healthz", 200)
    assert line["view"] == "healthz" and line["client"] == "127.0.0.1"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["request_id"] == response["X-Request-ID"]
    assert "123456" not in logged.text and "not-for-the-log" not in logged.text


def test_a_request_id_is_kept_from_a_trusted_proxy_only(db, client, config):
    config(trusted_proxies=(ip_network("10.0.0.0/24"),))
    given = "edge-4f1c2b9a"
    assert client.get("/healthz", HTTP_X_REQUEST_ID=given)["X-Request-ID"] != given
    through_proxy = client.get("/healthz", HTTP_X_REQUEST_ID=given, REMOTE_ADDR="10.0.0.1")
    assert through_proxy["X-Request-ID"] == given
    odd = client.get("/healthz", HTTP_X_REQUEST_ID='x"}{\n', REMOTE_ADDR="10.0.0.1")
    assert odd["X-Request-ID"] != 'x"}{\n' and len(odd["X-Request-ID"]) == 16


def test_cpr_numbers_are_cut_to_the_birth_date():
    assert mask("cpr 010190-1234 and 0101901234") == "cpr 010190-**** and 010190-****"
    assert mask("serial CD0000000012 and 12345678901") == "serial CD0000000012 and 12345678901"


def test_every_line_has_cpr_numbers_masked_whoever_logged_it():
    record = logging.LogRecord(
        "django.request", logging.ERROR, __file__, 1, "Not Found: /x/%s/", ("0101901234",), None
    )
    record.segl = {"subject": "010190-1234"}
    line = JsonFormatter().format(record)
    assert "1234" not in line and line.count("010190-****") == 2


@pytest.mark.django_db(transaction=True)
def test_the_security_log_tells_what_happened_and_no_secret(driver, logged):
    """A login with a wrong code and a wrong password first, an app activated and a wrong PIN:
    each event on the security log, none of what was typed."""
    from tests.app.conftest import emulator, issue_code, temporary_pin

    anna = make_person("log-anna-1", kinds=("code_display",))
    cpr = anna.identity.person.cpr
    now = datetime.now(UTC)
    valid = {anna.token.code(now + timedelta(seconds=30 * d)) for d in (-1, 0, 1)}
    wrong_code = next(c for c in ("481516", "623342", "908172") if c not in valid)
    url, params, _ = driver.start()
    driver.user_id(url, anna.user_id)
    assert driver.code(url, wrong_code).status_code == 200
    driver.code(url, anna.token.code())
    assert driver.password(url, "a wrong password, as typed").status_code == 200
    driver.password(url)
    returned = driver.finish(url)

    app = emulator()
    code = issue_code(anna)
    activation = app.start_activation(anna.user_id, code)
    pin = temporary_pin(anna.identity.person.phone)
    app.finish_activation(activation, user_id=anna.user_id, temporary_pin=pin, pin="864209")
    with pytest.raises(Exception):
        app.unlock(anna.user_id, "135724")
    driver.user_id(driver.start()[0], "no-such-person-or-a-password?")

    events = logged.of("segl.security")
    outcomes = [(e["action"], e["outcome"]) for e in events]
    for expected in [
        ("flow.start", "ok"),
        ("code.verify", "code_invalid"),
        ("code.verify", "ok"),
        ("password.verify", "wrong"),
        ("password.verify", "ok"),
        ("flow.done", "ok"),
        ("app.activate", "ok"),
        ("app.unlock", "pin_wrong"),
        ("flow.user_id", "unknown"),
    ]:
        assert expected in outcomes, (expected, outcomes)
    failed = next(e for e in events if e["outcome"] == "code_invalid")
    assert failed["level"] == "WARNING" and failed["subject"] == anna.token.serial
    assert failed["client"] == "127.0.0.1" and failed["data"]["kind"] == "code_display"
    # Each line names the request it happened in, as the request's own line does.
    requests = {line["request_id"] for line in logged.of("segl.request")}
    assert failed["request_id"] in requests

    # Every value of every line but the time, the process and the (random) request id.
    text = " ".join(
        str(value)
        for entry in logged.of("segl.security") + logged.of("segl.request")
        for key, value in entry.items()
        if key not in ("time", "pid", "request_id")
    )
    typed = [wrong_code, anna.token.code(now), PASSWORD, "a wrong password", code, pin]
    typed += ["864209", "135724"]
    typed += [params["code_challenge"], params["state"], params["nonce"], returned["code"][0]]
    typed += ["no-such-person-or-a-password?", settings.CONFIG.secret_key]
    for value in typed:
        assert value not in text, value
    assert cpr not in text and cpr.replace("-", "") not in text
