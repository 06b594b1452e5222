"""The `segl` command, as an administrator or operator uses it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from segl.authenticators.models import Authenticator, Device
from segl.cli import main
from segl.identities.models import Identity


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv: str) -> dict:
    code, out, err = run(capsys, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_help_on_everything(capsys):
    for argv in (
        ["--help"],
        ["factory", "make", "--help"],
        ["tokens", "import", "--help"],
        ["rp", "add", "--help"],
        ["identity", "create", "--help"],
        ["device", "activate", "--help"],
        ["audit", "verify", "--help"],
    ):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 0
        assert "usage: segl" in capsys.readouterr().out


@pytest.mark.django_db
def test_factory_import_identity_activate(capsys, tmp_path: Path):
    made = run_json(
        capsys, "factory", "make", "code_display", "--count", "3", "--out", str(tmp_path)
    )
    assert len(made["serials"]) == 3
    imported = run_json(
        capsys, "tokens", "import", made["pskc"], "--passphrase-file", made["passphrase_file"]
    )
    assert imported["imported"] == 3
    assert Device.objects.filter(status="in_stock").count() == 3

    created = run_json(
        capsys,
        "identity",
        "create",
        "--cpr",
        "010190-4001",
        "--given-name",
        "Ida",
        "--family-name",
        "Holm",
        "--user-id",
        "ida-holm",
    )
    assert Identity.objects.get(user_id="ida-holm").pk.hex == created["id"].replace("-", "")

    serial = made["serials"][0]
    pressed = run_json(capsys, "device", "press", serial, "--dir", str(tmp_path / "devices"))
    password = tmp_path / "password.txt"
    password.write_text("a good long password for ida\n")
    activated = run_json(
        capsys,
        "device",
        "activate",
        "--user-id",
        "IDA-HOLM",
        "--serial",
        serial.lower(),
        "--code",
        pressed["code"],
        "--password-file",
        str(password),
    )
    assert activated["serial"] == serial
    assert Authenticator.objects.get(identity__user_id="ida-holm").device.serial == serial

    # A code from another device is refused and nothing changes.
    other = made["serials"][1]
    code, _, err = run(
        capsys,
        "device",
        "activate",
        "--user-id",
        "ida-holm",
        "--serial",
        other,
        "--code",
        pressed["code"],
        "--password-file",
        str(password),
    )
    assert code == 2 and "not correct" in err
    assert Device.objects.get(serial=other).status == "in_stock"


@pytest.mark.django_db
def test_import_is_all_or_nothing(capsys, tmp_path: Path):
    made = run_json(
        capsys, "factory", "make", "code_display", "--count", "2", "--out", str(tmp_path)
    )
    run_json(capsys, "tokens", "import", made["pskc"], "--passphrase-file", made["passphrase_file"])
    code, _, err = run(
        capsys, "tokens", "import", made["pskc"], "--passphrase-file", made["passphrase_file"]
    )
    assert code == 2 and "already in the inventory" in err and "nothing was imported" in err
    assert "numbers a new batch on from the device files in its --out folder" in err
    assert Device.objects.count() == 2


@pytest.mark.django_db
def test_wrong_passphrase_imports_nothing(capsys, tmp_path: Path):
    made = run_json(
        capsys, "factory", "make", "audio_code_reader", "--count", "2", "--out", str(tmp_path)
    )
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase")
    code, _, err = run(capsys, "tokens", "import", made["pskc"], "--passphrase-file", str(wrong))
    assert code == 2 and "nothing was imported" in err
    assert not Device.objects.exists()


@pytest.mark.django_db
def test_rp_add_and_list(capsys):
    added = run_json(
        capsys, "rp", "add", "Borger Portal", "--redirect-uri", "https://borger.example/cb"
    )
    assert added["client_secret"] and added["redirect_uris"] == ["https://borger.example/cb"]
    listed = run_json(capsys, "rp", "list")
    assert [r["name"] for r in listed["rps"]] == ["Borger Portal"]
    code, _, err = run(capsys, "rp", "add", "Bad", "--redirect-uri", "https://x.example/cb#f")
    assert code == 2 and "fragment" in err


@pytest.mark.django_db
def test_identity_create_refuses_bad_input_and_creates_nothing(capsys):
    code, _, err = run(
        capsys,
        "identity",
        "create",
        "--cpr",
        "320190-1234",
        "--given-name",
        "A",
        "--family-name",
        "B",
        "--user-id",
        "someone",
    )
    assert code == 2 and "That is not a CPR number" in err and "Nothing was created." in err
    code, _, err = run(
        capsys,
        "identity",
        "create",
        "--cpr",
        "010190-1234",
        "--given-name",
        "A",
        "--family-name",
        "B",
        "--user-id",
        "x",
    )
    assert code == 2 and "A user ID has 4 to 64 characters" in err and "user_id_length" in err
    assert not Identity.objects.exists()


@pytest.mark.django_db
def test_check_reports_ok(capsys):
    data = run_json(capsys, "check")
    assert data["ok"] is True and data["keys"] == "ok"


@pytest.mark.django_db
def test_check_fails_for_several_workers_without_redis_in_production(capsys, config, monkeypatch):
    # Set for the end-to-end tests in this process; production's own checks refuse it.
    monkeypatch.delenv("DJANGO_ALLOW_ASYNC_UNSAFE", raising=False)
    config(env="production", redis_url=None)
    code, out, _ = run(capsys, "check", "--workers", "2", "--json")
    data = json.loads(out)
    assert code == 1 and data["ok"] is False
    assert data["cache"].startswith("failed: 2 workers without REDIS_URL")
    assert run_json(capsys, "check")["cache"] == "in-process"  # one worker: its own cache is all
    config(env="production", redis_url="redis://r:6379/0")
    assert run_json(capsys, "check", "--workers", "4")["cache"] == "redis"
    # Elsewhere (a developer trying workers) it is a warning.
    config(env="development", redis_url=None)
    data = run_json(capsys, "check", "--workers", "2")
    assert data["ok"] is True and "(warning: 2 workers without REDIS_URL" in data["cache"]


def test_init_writes_secrets_once(capsys, tmp_path: Path):
    env_file = tmp_path / "segl.env"
    assert run_json(capsys, "init", "--env-file", str(env_file))["written"] is True
    text = env_file.read_text()
    assert "SEGL_SECRET_KEY=" in text and "SEGL_KEYS=" in text
    # A demo's picture of a QR code may be 30 seconds old: time for 'segl app approve --image'.
    assert "\nSEGL_APP_QR_MAX_AGE_SECONDS=30\n" in text
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    assert run_json(capsys, "init", "--env-file", str(env_file))["written"] is False
    assert env_file.read_text() == text
    for name in ("SEGL_AUDIT_KEYS", "SEGL_AUDIT_SIGNING_KEY_FILE", "SEGL_AUDIT_CHECKPOINT_FILE"):
        assert f"\n{name}=" in text
    assert oct((tmp_path / "audit-signing-key.pem").stat().st_mode & 0o777) == "0o600"


def test_init_adds_the_audit_settings_to_an_older_file_and_keeps_the_rest(capsys, tmp_path):
    from segl.config import load, read_env_file

    env_file = tmp_path / "segl.env"
    run_json(capsys, "init", "--env-file", str(env_file))
    older = "".join(line for line in env_file.open() if not line.startswith("SEGL_AUDIT_"))
    env_file.write_text(older)
    added = run_json(capsys, "init", "--env-file", str(env_file))["added"]
    assert added == ["SEGL_AUDIT_KEYS", "SEGL_AUDIT_SIGNING_KEY_FILE", "SEGL_AUDIT_CHECKPOINT_FILE"]
    assert env_file.read_text().startswith(older)
    config = load({"SEGL_ENV_FILE": str(env_file)})
    assert config.audit_keys == read_env_file(env_file)["SEGL_AUDIT_KEYS"]
    assert config.audit_signing_key is not None


def test_init_for_production_writes_no_demo_secret(capsys, tmp_path: Path):
    env_file = tmp_path / "segl.env"
    assert run_json(capsys, "init", "--env", "production", "--env-file", str(env_file))["written"]
    assert "SEGL_ENV=production" in env_file.read_text()
    assert "SEGL_DEMO_RP_SECRET" not in env_file.read_text()
    assert "SEGL_APP_QR_MAX_AGE_SECONDS" not in env_file.read_text()


def test_purge_deletes_what_ended_long_ago_and_keeps_the_rest(capsys, driver, anna):
    from django.utils import timezone

    from segl.flows.models import Flow, UnknownUserThrottle
    from segl.limits.models import RateWindow
    from segl.oidc.models import AuthContext

    # A whole login (flow, auth context, grant), a live login, and a decoy that got locked.
    driver.login(anna)
    live_url, _, _ = driver.start()
    decoy_url, _, _ = driver.start()
    driver.user_id(decoy_url, "nobody-here")
    for code in ("123456", "234567", "345678"):
        driver.code(decoy_url, code)
    done = Flow.objects.get(step="done")
    long_ago = timezone.now() - timedelta(hours=25)
    Flow.objects.filter(pk=done.pk).update(expires_at=long_ago)
    AuthContext.objects.update(created_at=long_ago)
    UnknownUserThrottle.objects.update(updated_at=long_ago)
    # A rate limit's window counted in the database while Redis was away, long past.
    RateWindow.objects.create(key="0" * 64, window=0, count=3, expires_at=long_ago)

    counts = run_json(capsys, "purge")
    assert counts == {
        "dpop_proof_ids": 0,
        "app_requests": 0,
        "app_activations": 0,
        "activation_codes": 0,
        "copy_offers": 0,
        "flows": 1,
        "unknown_user_throttles": 0,
        "auth_contexts": 1,
        "outbox_secrets_cleared": 0,
        "outbox_messages": 0,
        "proofings_deleted": 0,
        "reviews_expired": 0,
        "customer_displays": 0,
        "rate_limit_windows": 1,
    }
    assert not Flow.objects.filter(pk=done.pk).exists()
    assert Flow.objects.filter(pk=live_url.strip("/").split("/")[-1]).exists()
    # The lock is still running, so the unknown user ID's throttle stays.
    assert UnknownUserThrottle.objects.get().locked_until > timezone.now()

    UnknownUserThrottle.objects.update(locked_until=long_ago)
    # Still kept: it holds wrong codes since a success, which a real device never forgets.
    assert run_json(capsys, "purge")["unknown_user_throttles"] == 0
    UnknownUserThrottle.objects.update(failures_total=0)
    assert run_json(capsys, "purge")["unknown_user_throttles"] == 1
    assert run(capsys, "purge", "--keep-hours", "0")[0] == 2
