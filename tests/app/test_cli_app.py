"""The `segl app` commands: an operator issues an activation code; the emulated app, over HTTP
against the live server, activates and approves a login from a picture of its QR code."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import segno

from segl.app.models import AppRequest
from segl.cli import main
from tests.app.conftest import temporary_pin
from tests.app.test_login_with_app import start_app_login
from tests.conftest import make_person

pytestmark = pytest.mark.django_db(transaction=True)


def run(capsys, *argv: str) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    out, err = capsys.readouterr()
    return code, (json.loads(out) if code == 0 else {"error": err})


def test_activate_and_approve_with_the_app_command(
    capsys, live_server, driver, tmp_path, monkeypatch
):
    person = make_person("cli-app-1")
    code, issued = run(capsys, "app", "code", person.user_id, "--operator", "desk 4")
    assert code == 0 and len(issued["activation_code"]) == 14

    state, pin_file = tmp_path / "app.json", tmp_path / "pin"
    pin_file.write_text("2580\n")
    phone = person.identity.person.phone
    monkeypatch.setattr("builtins.input", lambda prompt: temporary_pin(phone))
    common = ["--url", live_server.url, "--state", str(state), "--pin-file", str(pin_file)]
    code, activated = run(
        capsys, "app", "activate", person.user_id, "--code", issued["activation_code"], *common
    )
    assert code == 0, activated
    assert activated["user_id"] == person.user_id and state.exists()

    person.identity.preferred_method = "app"
    person.identity.save(update_fields=["preferred_method"])
    url, _, _ = start_app_login(driver, person, approval_text="Sign the lease")
    from segl.app.services import qr_text

    picture = tmp_path / "screen.png"
    segno.make_qr(qr_text(AppRequest.objects.get(), datetime.now(UTC))).save(picture, scale=5)
    code, answer = run(
        capsys, "app", "approve", person.user_id, "--image", str(picture), "--approve", *common
    )
    assert code == 0, answer
    assert answer["text"] == "Sign the lease" and answer["status"] == "approved"
    assert driver.client.get(url + "app/status").json()["state"] == "done"


def test_a_wrong_activation_code_is_a_clear_error(capsys, live_server, tmp_path):
    person = make_person("cli-app-2")
    code = main(
        [
            "app",
            "activate",
            person.user_id,
            "--code",
            "NOPE-NOPE-NOPE",
            "--url",
            live_server.url,
            "--state",
            str(tmp_path / "a.json"),
            "--temporary-pin",
            "1",
            "--pin-file",
            "/dev/null",
        ]
    )
    assert code == 2
    assert "activation_code_invalid" in capsys.readouterr().err
    assert not Path(tmp_path / "a.json").exists()


def test_the_outbox_shows_the_sms(capsys):
    person = make_person("cli-app-3")
    run(capsys, "app", "code", person.user_id)
    from tests.app.conftest import emulator, issue_code

    emulator().start_activation(person.user_id, issue_code(person))
    code, out = run(capsys, "outbox", "--to", person.identity.person.phone)
    assert code == 0 and "Your temporary PIN code is" in out["messages"][0]["text"]
