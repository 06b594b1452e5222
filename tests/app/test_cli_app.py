"""The `segl app` commands: an operator issues an activation code; the emulated app, over HTTP
against the live server, activates and approves a login from a picture of its QR code."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import segno

from segl.app.models import AppRequest
from segl.cli import main
from tests.app.conftest import temporary_pin
from tests.app.test_login_with_app import _flow_id, start_app_login
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


def _identity_without_phone(capsys, user_id: str, cpr: str) -> None:
    code = main(
        [
            *("identity", "create", "--cpr", cpr, "--given-name", "Ny", "--family-name", "Borger"),
            *("--user-id", user_id),
        ]
    )
    assert code == 0, capsys.readouterr().err
    capsys.readouterr()


def test_a_new_identity_gets_a_phone_number_and_then_the_app(
    capsys, live_server, tmp_path, monkeypatch
):
    """The newcomer's journey: an identity made without a phone number cannot get the app,
    and the command says how to fix it."""
    _identity_without_phone(capsys, "cli-newcomer", "0202024001")
    code = main(["app", "code", "cli-newcomer", "--json"])
    out, err = capsys.readouterr()
    assert code == 0 and "segl identity phone cli-newcomer NUMBER" in err  # warned at once
    activation_code = json.loads(out)["activation_code"]

    pin_file = tmp_path / "pin"
    pin_file.write_text("2580\n")
    common = ["--url", live_server.url, "--state", str(tmp_path / "app.json")]
    argv = ["app", "activate", "cli-newcomer", "--code", activation_code, *common]
    monkeypatch.setattr("builtins.input", lambda prompt: temporary_pin("+4520999001"))
    code, refused = run(capsys, *argv, "--pin-file", str(pin_file))
    assert code == 2
    assert "segl has no mobile number for cli-newcomer" in refused["error"]
    assert "Set one with 'segl identity phone cli-newcomer NUMBER'" in refused["error"]
    assert "segl refused" not in refused["error"]

    code, phone = run(capsys, "identity", "phone", "cli-newcomer", "20 99 90 01")
    assert code == 0 and phone["phone"] == "+4520999001"
    code, activated = run(capsys, *argv, "--pin-file", str(pin_file))
    assert code == 0, activated
    assert activated["user_id"] == "cli-newcomer"


def test_approve_from_a_picture_without_the_reader_says_which_extra_before_the_pin(
    capsys, tmp_path, monkeypatch
):
    import sys

    monkeypatch.setitem(sys.modules, "zxingcpp", None)  # as if the extra were not installed
    picture = tmp_path / "qr.png"
    segno.make_qr("segl.x.1.y").save(picture, scale=5)
    # Nothing answers at this address and the app holds no user ID: the picture comes first.
    code = main(
        [
            *("app", "approve", "nobody-here", "--image", str(picture), "--approve"),
            *("--url", "http://127.0.0.1:9", "--state", str(tmp_path / "none.json")),
            *("--pin-file", "/nonexistent/pin"),
        ]
    )
    err = capsys.readouterr().err
    checkout = Path(__file__).resolve().parents[2]
    assert code == 2
    assert f"install -e '{checkout}[emulator]'" in err and "--qr" in err
    # The checkout, never the package's name on a registry (whatever the checkout is called).
    assert "segl[emulator]" not in err.replace(f"{checkout}[emulator]", "")


def test_make_install_installs_the_picture_reader():
    """`make run` installs through `make install`; the README's `--image` needs the extra."""
    root = Path(__file__).resolve().parents[2]
    makefile = (root / "Makefile").read_text()
    recipe = makefile.split("\ninstall:", 1)[1].split("\n\n", 1)[0]
    assert "--require-hashes -r $(LOCK)" in recipe
    assert "\nLOCK     := requirements.txt\n" in makefile
    locked = (root / "requirements.txt").read_text()
    assert "\nzxing-cpp==" in locked
    assert "\npillow==" in locked


def _activated(capsys, monkeypatch, live_server, tmp_path, user_id: str) -> list[str]:
    person = make_person(user_id)
    _, issued = run(capsys, "app", "code", person.user_id)
    pin_file = tmp_path / "pin"
    pin_file.write_text("2580\n")
    monkeypatch.setattr(
        "builtins.input", lambda prompt: temporary_pin(person.identity.person.phone)
    )
    common = ["--url", live_server.url, "--state", str(tmp_path / "app.json")]
    common += ["--pin-file", str(pin_file)]
    code, _ = run(capsys, "app", "activate", user_id, "--code", issued["activation_code"], *common)
    assert code == 0
    person.identity.preferred_method = "app"
    person.identity.save(update_fields=["preferred_method"])
    return common


def test_switch_to_one_time_codes_and_approve_with_a_code(
    capsys, live_server, driver, tmp_path, monkeypatch, clock
):
    """Seed 003 from the command line: ask for one-time codes, wait, confirm, log in."""
    from datetime import timedelta

    from segl.app.models import AppInstance

    common = _activated(capsys, monkeypatch, live_server, tmp_path, "cli-app-codes")
    code, asked = run(capsys, "app", "mode", "cli-app-codes", "code", *common)
    assert code == 0 and asked["approval_mode"] == "qr" and asked["pending_change"]
    code, again = run(capsys, "app", "mode", "cli-app-codes", "code", *common)
    assert code == 0 and again["approval_mode"] == "qr"  # not before the wait is over
    clock.advance(timedelta(hours=24))
    code, confirmed = run(capsys, "app", "mode", "cli-app-codes", "code", *common)
    assert code == 0 and confirmed["approval_mode"] == "code"
    assert AppInstance.objects.get().approval_mode == "code"

    url, _, _ = start_app_login(driver, SimpleNamespace(user_id="cli-app-codes"))
    shown_code = AppRequest.objects.get(flow_id=_flow_id(url)).code
    code, answer = run(
        capsys, "app", "approve", "cli-app-codes", "--code", shown_code, "--approve", *common
    )
    assert code == 0, answer
    assert answer["status"] == "approved"


def test_retire_removes_the_user_id_from_the_app(capsys, live_server, tmp_path, monkeypatch):
    from segl.authenticators.models import Authenticator

    common = _activated(capsys, monkeypatch, live_server, tmp_path, "cli-app-retire")
    code, retired = run(capsys, "app", "retire", "cli-app-retire", *common)
    assert code == 0 and retired["retired"] is True
    assert Authenticator.objects.get(kind="app").status == "retired"
    code, listed = run(capsys, "app", "list", *common[:4])
    assert code == 0 and listed["user_ids"] == []
    code, refused = run(capsys, "app", "retire", "cli-app-retire", *common)
    assert code == 2 and "This app holds no user ID cli-app-retire" in refused["error"]
