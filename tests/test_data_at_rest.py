"""Data at rest: a private database, no readable copies of one-time secrets in the outbox."""

from __future__ import annotations

import os
import sqlite3
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.utils.module_loading import import_string

from segl.app.services import activation_code_issue, activation_start
from segl.notify.gateways import deliver_waiting, send_sms
from segl.notify.models import OutboxMessage
from segl.notify.notices import tell
from segl.notify.retention import outbox_purge
from tests.conftest import make_person
from tests.processes import clean_env, segl
from tests.test_cli import run_json


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask():
    """The usual umask, under which new files are world-readable unless segl says otherwise."""
    old = os.umask(0o022)
    yield
    os.umask(old)


# -- the database file ---------------------------------------------------------------------------


def test_a_fresh_installation_is_private(tmp_path: Path, open_umask):
    install = tmp_path / "install"
    env_file = install / "segl.env"
    assert segl(clean_env(), "init", "--env-file", str(env_file)).returncode == 0
    data = install / "data"
    env = clean_env(SEGL_ENV_FILE=str(env_file), SEGL_DATA_DIR=str(data))
    done = segl(env, "migrate", "--quiet")
    assert done.returncode == 0, done.stderr
    assert mode(install) == 0o700 and mode(env_file) == 0o600
    assert mode(data) == 0o700
    assert mode(data / "segl.sqlite3") == 0o600


def test_the_database_and_its_wal_files_are_created_private(tmp_path: Path, open_umask, sqlite):
    with sqlite(tmp_path / "fresh.sqlite3")["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE person (cpr TEXT)")
        cursor.execute("INSERT INTO person VALUES ('0103804001')")
    # While a connection is open in WAL mode, the log and the shared memory exist.
    for name in ("fresh.sqlite3", "fresh.sqlite3-wal", "fresh.sqlite3-shm"):
        assert mode(tmp_path / name) == 0o600, name


def test_a_database_open_to_others_is_closed_to_them(tmp_path: Path, open_umask, sqlite):
    path = tmp_path / "old.sqlite3"
    old = sqlite3.connect(path)  # as an earlier version left it
    try:
        old.execute("PRAGMA journal_mode=WAL")
        old.execute("CREATE TABLE person (cpr TEXT)")
        wal = Path(str(path) + "-wal")
        assert mode(path) == 0o644 and mode(wal) == 0o644
        with sqlite(path)["default"].cursor() as cursor:
            cursor.execute("SELECT count(*) FROM person")
        assert mode(path) == 0o600 and mode(wal) == 0o600
    finally:
        old.close()


# -- one-time secrets in the outbox ----------------------------------------------------------------


class Phone:
    """An SMS gateway that sends messages on (here: to a list, as the provider's API would)."""

    received: list[str] = []

    def send(self, message: OutboxMessage) -> None:
        self.received.append(message.text)


PHONE = "tests.test_data_at_rest.Phone"


def _temporary_pin_sent(user_id: str, now: datetime) -> OutboxMessage:
    person = make_person(user_id)
    code = activation_code_issue(identity=person.identity, now=now)
    activation_start(user_id=user_id, code=code, now=now)
    return OutboxMessage.objects.get(purpose="temporary_pin")


@pytest.mark.django_db
def test_a_gateway_that_sends_on_leaves_no_copy_of_the_secret(
    settings, django_capture_on_commit_callbacks
):
    settings.SEGL_GATEWAYS = dict.fromkeys(settings.SEGL_GATEWAYS, PHONE)
    received = import_string(PHONE).received  # the class the gateway setting names
    received.clear()
    now = datetime.now(UTC)
    other = make_person("notice-sent-on-1").identity.person
    with django_capture_on_commit_callbacks(execute=True):
        message = _temporary_pin_sent("pin-sent-on-1", now)
        tell(other, "password_changed", now=now)
    pin_sms = OutboxMessage.objects.get(pk=message.pk)
    assert pin_sms.sent_at is not None and pin_sms.text == ""
    assert any("midlertidige pinkode er" in text for text in received)
    # A notice holds no secret and stays readable for the record.
    notice = OutboxMessage.objects.get(to=other.phone, purpose="password_changed")
    assert notice.sent_at is not None and "password" in notice.text


@pytest.mark.django_db
def test_the_demo_phone_reads_the_secret_until_it_runs_out(capsys):
    now = datetime.now(UTC)
    message = _temporary_pin_sent("pin-demo-1", now)
    assert "midlertidige pinkode er" in message.text  # the outbox is the demo's phone
    assert message.secret_until == now + timedelta(minutes=10)

    assert outbox_purge(now=now + timedelta(minutes=9)) == {
        "outbox_secrets_cleared": 0,
        "outbox_messages": 0,
    }
    OutboxMessage.objects.filter(pk=message.pk).update(secret_until=now - timedelta(seconds=1))
    counts = run_json(capsys, "purge")
    assert counts["outbox_secrets_cleared"] == 1 and counts["outbox_messages"] == 0
    message.refresh_from_db()
    assert message.text == ""


@pytest.mark.django_db
def test_purge_deletes_old_sent_and_dead_messages_and_keeps_the_rest():
    now = datetime.now(UTC)
    old, recent = now - timedelta(days=31), now - timedelta(days=29)
    for purpose, at, outcome in [
        ("old_sent", old, {"sent_at": old}),
        ("old_dead", old, {"dead_at": old}),
        ("old_waiting", old, {}),  # not sent yet: kept, it may still go
        ("recent_sent", recent, {"sent_at": recent}),
    ]:
        send_sms(to="+4520000077", text="x", purpose=purpose, now=at)
        OutboxMessage.objects.filter(purpose=purpose).update(**outcome)
    counts = outbox_purge(now=now)
    assert counts == {"outbox_secrets_cleared": 0, "outbox_messages": 2}
    left = set(OutboxMessage.objects.values_list("purpose", flat=True))
    assert left == {"old_waiting", "recent_sent"}
    with pytest.raises(ValueError, match="at least a day"):
        outbox_purge(now=now, keep=timedelta(hours=1))


@pytest.mark.django_db
def test_a_secret_that_ran_out_is_never_sent(settings):
    settings.SEGL_GATEWAYS = dict.fromkeys(settings.SEGL_GATEWAYS, PHONE)
    received = import_string(PHONE).received  # the class the gateway setting names
    received.clear()
    now = datetime.now(UTC)
    message = _temporary_pin_sent("pin-late-1", now)  # the gateway never got it (no commit)
    OutboxMessage.objects.filter(pk=message.pk).update(secret_until=now - timedelta(seconds=1))
    deliver_waiting(now=now)
    assert not any("pinkode" in text for text in received)
    assert OutboxMessage.objects.get(pk=message.pk).sent_at is None
