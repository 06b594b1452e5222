"""The `segl` command's shape (areas, version, help, refusals as sentences) and the commands a
newcomer missed: a phone number for an identity, a PSKC file without device models, the
front page of the demo."""

from __future__ import annotations

import argparse
import json
import re
import secrets
from importlib.metadata import version
from pathlib import Path

import pytest

from segl.authenticators.models import Device
from segl.cli import build_parser, main
from segl.cli.refusals import SENTENCES, app_sentence, sentence
from segl.core.pskc import TokenSeed
from segl.core.pskc_writer import write_pskc
from segl.core.secrets import Secret
from tests.conftest import make_device, make_person

SRC = Path(__file__).resolve().parents[1] / "src" / "segl"


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _parsers(parser: argparse.ArgumentParser):
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in action.choices.values():
                yield from _parsers(child)


def test_version_is_the_installed_package_s(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"segl {version('segl')}"


def test_help_has_no_restructuredtext_marks(capsys):
    parsers = list(_parsers(build_parser()))
    assert len(parsers) > 40  # every area registered its commands, the audit log's among them
    for parser in parsers:
        text = parser.format_help()
        assert "``" not in text and ":mod:" not in text and ":func:" not in text, parser.prog


def test_every_area_registers_its_commands():
    names = {p.prog for p in _parsers(build_parser())}
    for prog in (
        "segl check",
        "segl identity phone",
        "segl tokens import",
        "segl app mode",
        "segl app retire",
        "segl audit verify",
        "segl demo load",
        "segl staff grant",
        "segl appointments remind",
        "segl stock deliver",
    ):
        assert prog in names


def test_the_command_line_reads_through_selectors_and_writes_through_services():
    for module in sorted((SRC / "cli").glob("*.py")):
        text = module.read_text()
        assert ".objects" not in text, module.name
        assert not re.search(r"from segl\.\w+\.models import|import segl\.\w+\.models", text)
        assert len(text.splitlines()) < 450, module.name


# -- refusals ---------------------------------------------------------------------------------

DETAILS = {
    "user_id": "anna-1234",
    "serial": "CD1",
    "model": "X",
    "rule": "R",
    "status": "active",
    "until": "12:00",
    "path": "p",
    "detail": "D",
    "url": "u",
    "pip": "pip",
    "checkout": ".",
}


def _raised(*classes: str) -> set[str]:
    """The reason codes raised as ``Class("code")`` anywhere in segl's source."""
    pattern = re.compile(rf"\b(?:{'|'.join(classes)})\(\"([a-z_]+)\"")
    return {code for path in SRC.rglob("*.py") for code in pattern.findall(path.read_text())}


def test_every_sentence_is_a_sentence():
    for key, template in SENTENCES.items():
        text = template.format(**DETAILS)
        assert text[0].isupper() or text.startswith(("segl ", "--")), key
        assert text.endswith("."), key
        assert "``" not in text, key


@pytest.mark.parametrize(
    ("area", "classes"),
    [
        ("app", ("AppRefused", "BindingInvalid")),
        ("identity", ("IdentityError",)),
        ("password", ("PasswordRejected",)),
    ],
)
def test_every_refusal_the_command_can_meet_has_a_sentence(area, classes):
    codes = _raised(*classes)
    assert codes
    if area == "app":
        unknown = {c for c in codes if app_sentence(c, "app_refused").startswith("segl refused")}
        assert not unknown
    else:
        assert {f"{area}:{c}" for c in codes} <= set(SENTENCES)


def test_the_orders_and_devices_refusals_have_sentences():
    for key in ("order:unknown_order", "order:step", "order:unpaid", "order:not_invoiced"):
        assert key in SENTENCES
    for reason in ("unknown_serial", "not_yours", "disabled", "not_hotp", "login_needed"):
        assert f"device:{reason}" in SENTENCES
    assert sentence("order:nonsense") == (
        "segl refused this, for a reason this command does not know. (nonsense)"
    )


def test_a_refusal_names_what_to_do_and_keeps_its_code():
    text = app_sentence("no_phone", "app_refused", user_id="anna-1234")
    assert text == (
        "segl has no mobile number for anna-1234, so it cannot send the temporary PIN code."
        " Set one with 'segl identity phone anna-1234 NUMBER', then activate again. (no_phone)"
    )
    assert app_sentence("htu", "proof_invalid").startswith("segl did not accept the app's")
    assert app_sentence("pin_missing", "app_refused").endswith("(pin_missing)")
    assert sentence("app:no_login") == (  # a detail left out does not crash the command
        "No login is waiting for USER_ID. Start one in the browser, then try again. (no_login)"
    )


# -- identity phone ---------------------------------------------------------------------------

CREATE = ["identity", "create", "--given-name", "Ida", "--family-name", "Holm"]


@pytest.mark.django_db
def test_identity_create_takes_a_phone_number(capsys):
    code, _, err = run(
        capsys, *CREATE, "--cpr", "010190-4001", "--user-id", "ida-holm", "--phone", "20 30 40 50"
    )
    assert code == 0, err
    shown = json.loads(run(capsys, "identity", "show", "ida-holm", "--json")[1])
    assert shown["phone"] is True
    from segl.identities.selectors import identity_by_user_id

    assert identity_by_user_id(" IDA-holm ").person.phone == "+4520304050"
    code, _, err = run(
        capsys, *CREATE, "--cpr", "020190-4001", "--user-id", "ida-2", "--phone", "1"
    )
    assert code == 2 and "That is not a mobile number" in err and "Nothing was created." in err


@pytest.mark.django_db
def test_identity_phone_sets_and_changes_the_number_audited_and_told(capsys):
    from segl.audit.models import AuditEvent
    from segl.notify.models import OutboxMessage

    person = make_person("cli-phone-1")
    old = person.identity.person.phone
    code, out, err = run(capsys, "identity", "phone", "cli-phone-1", "0045 20 11 22 33", "--json")
    assert code == 0, err
    assert json.loads(out) == {"user_id": "cli-phone-1", "phone": "+4520112233"}
    person.identity.person.refresh_from_db()
    assert person.identity.person.phone == "+4520112233"
    event = AuditEvent.objects.get(action="identity.phone")
    assert event.subject == "cli-phone-1" and event.actor == "cli"
    assert event.data["phone"] == "+45******33"  # not the whole number in the log
    notice = OutboxMessage.objects.get(purpose="phone_changed")
    assert notice.to == old and "mobile number of your segl has been changed" in notice.text

    code, _, err = run(capsys, "identity", "phone", "cli-phone-1", "12")
    assert code == 2 and err.startswith("segl: That is not a mobile number.") and "(phone)" in err
    code, _, err = run(capsys, "identity", "phone", "nobody-here", "+4520112233")
    assert code == 2 and "No identity has the user ID nobody-here" in err


# -- tokens import ------------------------------------------------------------------------------


def _pskc(tmp_path: Path, *seeds: tuple[str, str | None]) -> list[str]:
    made = [
        TokenSeed(
            serial=serial,
            algorithm="totp",
            secret=Secret(secrets.token_bytes(20)),
            manufacturer="Acme",
            model=model,
        )
        for serial, model in seeds
    ]
    pskc = tmp_path / "batch.pskc"
    pskc.write_bytes(write_pskc(made, passphrase=b"batch", iterations=1_000))
    (tmp_path / "passphrase.txt").write_text("batch\n")
    return ["tokens", "import", str(pskc), "--passphrase-file", str(tmp_path / "passphrase.txt")]


@pytest.mark.django_db
def test_a_pskc_file_without_device_models_asks_for_kind(capsys, tmp_path):
    argv = _pskc(tmp_path, ("CD0000000001", "code_display"), ("CD0000000002", None))
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert "does not say which kind of device serial CD0000000002 is" in err
    assert "--kind code_display or --kind audio_code_reader" in err
    assert "nothing was imported" in err and "unknown device kind" not in err
    assert not Device.objects.exists()
    code, _, err = run(capsys, *argv, "--kind", "audio_code_reader")
    assert code == 0, err
    assert set(Device.objects.values_list("kind", flat=True)) == {"audio_code_reader"}


@pytest.mark.django_db
def test_a_vendor_s_own_model_name_asks_for_kind(capsys, tmp_path):
    code, _, err = run(capsys, *_pskc(tmp_path, ("CD0000000001", "Acme OTP c200")))
    assert code == 2 and "device model 'Acme OTP c200' (serial CD0000000001)" in err
    assert "--kind" in err and not Device.objects.exists()


# -- check ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_check_fails_on_an_error_of_django_s_system_checks(capsys):
    from django.core import checks
    from django.core.checks.registry import registry

    def broken(**kwargs):
        return [checks.Error("a broken setting", id="segl.E999")]

    assert run(capsys, "check")[0] == 0
    registry.register(broken)
    try:
        code, out, _ = run(capsys, "check", "--json")
    finally:
        registry.registered_checks.discard(broken)
    data = json.loads(out)
    assert code == 1 and data["ok"] is False and "segl.E999" in data["django"]


# -- the demo's front page ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_front_page_lists_the_demo_people_only(client):
    demo = make_person("demo-bo")
    by_hand = make_person("cli-made-1")
    page = client.get("/").content.decode()
    assert demo.token.serial in page and "demo-bo" in page
    assert "cli-made-1" not in page and by_hand.token.serial not in page
    assert "segl demo login" in page  # the demo password, on the demo person's row


@pytest.mark.django_db
def test_the_front_page_lists_the_devices_nobody_has_with_where_they_are(client):
    from datetime import UTC, datetime

    from segl.centres.stock import stock_deliver

    # The centre's shelf takes the lower serial; the other stays in the central inventory.
    shelf, central = make_device("code_display"), make_device("code_display")
    stock_deliver(
        centre="kbh-vesterbro", kind="code_display", count=1, now=datetime.now(UTC), actor="t"
    )
    owned = make_person("demo-anna")
    page = client.get("/").content.decode()
    rows = re.findall(
        r"<tr><td><a href=\"/emulator/([A-Z0-9]+)/\">.*?</td><td>(.*?)</td></tr>", page
    )
    assert sorted(rows) == [
        (shelf.serial, "Borgerservice Vesterbro"),
        (central.serial, "Central inventory"),
    ]
    assert owned.token.serial not in dict(rows)


def test_the_web_pages_do_not_import_the_demo():
    imports = re.compile(r"^\s*(?:from|import) segl\.demo\b(?!_rp)", re.MULTILINE)
    for module in (SRC / "web").rglob("*.py"):
        assert not imports.search(module.read_text()), module
