"""Signed checkpoints: `segl audit checkpoint` anchors the chains, `segl audit verify` checks them.

A keyed chain cannot show its newest events cut off, nor a chain re-sealed by someone holding
the audit key; a checkpoint taken before either can.
"""

from __future__ import annotations

import io
import json
import os
import socket
import stat

import pytest

from segl.audit.keys import audit_keys
from segl.audit.models import AuditEvent, AuditPartition
from segl.audit.services import audit_record, audit_verify
from segl.cli import main
from segl.core.audit import chain_mac
from segl.core.checkpoints import key_id, load_signing_key, read_checkpoint
from tests.audit_sinks import ListSink
from tests.test_audit import _chained, reseal

pytestmark = pytest.mark.django_db


@pytest.fixture
def checkpoints(tmp_path):
    return tmp_path / "audit" / "checkpoints.jsonl"


def checkpoint(path) -> None:
    assert main(["audit", "checkpoint", "--file", str(path)]) == 0


def verify(path, capsys) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["audit", "verify", "--checkpoints", str(path)])
    return code, capsys.readouterr().out


def cut(partition: int, keep: int) -> None:
    """Delete the events after ``keep`` and move the head back, as a database writer could."""
    AuditEvent.objects.filter(partition=partition, seq__gt=keep).delete()
    last = AuditEvent.objects.get(partition=partition, seq=keep)
    AuditPartition.objects.filter(number=partition).update(seq=keep, digest=last.digest)


def test_each_checkpoint_appends_one_signed_line(checkpoints, capsys, settings):
    partition = _chained(3)
    checkpoint(checkpoints)
    audit_record(action="test")
    checkpoint(checkpoints)
    lines = checkpoints.read_text().splitlines()
    assert len(lines) == 2
    assert not stat.S_IMODE(os.stat(checkpoints).st_mode) & stat.S_IROTH
    public = load_signing_key(settings.CONFIG.audit_signing_key.encode()).public_key()
    first, second = (read_checkpoint(line, {key_id(public): public}) for line in lines)
    heads = {h.partition: h.seq for h in first.heads}
    assert heads[partition] == 3
    assert {h.partition: h.seq for h in second.heads}[partition] == 4
    code, out = verify(checkpoints, capsys)
    assert code == 0, out
    assert "2 checkpoints" in out and "0 events written since" in out and "chains intact" in out


def test_a_deleted_tail_is_found_against_the_last_checkpoint(checkpoints, capsys):
    partition = _chained(5)
    checkpoint(checkpoints)
    cut(partition, keep=3)
    # Without the checkpoint nothing shows: every remaining seal and the head row agree.
    assert audit_verify()[1] == []
    code, out = verify(checkpoints, capsys)
    assert code == 1
    assert f"partition {partition}, event #4: is missing, but the checkpoint of" in out
    assert "saw the chain reach #5" in out


def test_a_tail_cut_and_regrown_is_found(checkpoints, capsys):
    partition = _chained(5)
    checkpoint(checkpoints)
    cut(partition, keep=3)
    new = [audit_record(action="test", subject=f"new {i}") for i in range(3)]
    assert {e.partition for e in new} == {partition}
    assert audit_verify()[1] == []
    code, out = verify(checkpoints, capsys)
    replaced = AuditEvent.objects.get(partition=partition, seq=5)
    assert code == 1
    assert f"partition {partition}, event #5 (id {replaced.pk}): is not the event" in out


def test_a_chain_resealed_with_the_key_is_found_after_the_last_confirmed_event(checkpoints, capsys):
    partition = _chained(3)
    checkpoint(checkpoints)
    _chained(3)
    checkpoint(checkpoints)
    keys = audit_keys()
    key = keys.keys[keys.active]
    reseal(partition, 5, lambda prev, f: chain_mac(key, prev, f), outcome="changed")
    assert audit_verify()[1] == []
    code, out = verify(checkpoints, capsys)
    assert code == 1
    # The first checkpoint still holds (#3); the second names the head it saw (#6).
    assert f"partition {partition}, event #6" in out and "rewritten" in out
    assert "event #3" not in out


def test_a_forged_or_changed_checkpoint_line_is_a_problem(checkpoints, capsys):
    partition = _chained(3)
    checkpoint(checkpoints)
    line = json.loads(checkpoints.read_text())
    for head in line["heads"]:
        if head[0] == partition:
            head[1] = 2
    with checkpoints.open("a") as handle:
        handle.write(json.dumps(line) + "\nnot a checkpoint\n")
    code, out = verify(checkpoints, capsys)
    assert code == 1
    assert "checkpoint line 2: its signature does not match" in out
    assert "checkpoint line 3: not a checkpoint" in out


def test_an_auditor_verifies_with_the_public_key_alone(checkpoints, capsys, config, tmp_path):
    _chained(2)
    checkpoint(checkpoints)
    capsys.readouterr()
    assert main(["audit", "public-key"]) == 0
    public = tmp_path / "audit.pub"
    public.write_text(capsys.readouterr().out)
    config(audit_signing_key=None)
    assert main(["audit", "verify", "--checkpoints", str(checkpoints)]) == 2
    assert "--public-key" in capsys.readouterr().err
    args = ["audit", "verify", "--checkpoints", str(checkpoints), "--public-key", str(public)]
    assert main(args) == 0
    assert "chains intact" in capsys.readouterr().out
    # Nor can a checkpoint be taken where the signing key is not.
    assert main(["audit", "checkpoint", "--file", str(checkpoints)]) == 2
    assert "SEGL_AUDIT_SIGNING_KEY_FILE" in capsys.readouterr().err


def test_the_configured_checkpoint_file_is_used(checkpoints, capsys, config):
    config(audit_checkpoint_file=checkpoints)
    partition = _chained(3)
    assert main(["audit", "checkpoint"]) == 0
    audit_record(action="test")
    audit_record(action="test")
    capsys.readouterr()
    assert main(["audit", "verify"]) == 0
    assert "1 checkpoints in" in capsys.readouterr().out
    cut(partition, keep=2)
    assert main(["audit", "verify", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["breaks"][0]["partition"] == partition and report["breaks"][0]["seq"] == 3


def test_a_missing_checkpoint_file_named_on_the_command_line_is_an_error(tmp_path, capsys):
    assert main(["audit", "verify", "--checkpoints", str(tmp_path / "none")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_checkpoints_go_to_syslog_and_a_syslog_copy_verifies(
    checkpoints, capsys, config, monkeypatch
):
    port = int(os.environ["SEGL_TEST_PORT"]) + 11
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as server:
        server.bind(("127.0.0.1", port))
        server.settimeout(5)
        config(audit_syslog=f"udp://127.0.0.1:{port}")
        partition = _chained(4)
        checkpoint(checkpoints)
        datagram = server.recv(65536).decode()
    line = checkpoints.read_text().strip()
    assert datagram.startswith("<") and "segl-audit: " + line in datagram
    assert "sent to syslog udp://127.0.0.1" in capsys.readouterr().out
    # The file is gone or cut; the copy from syslog still anchors the chain.
    cut(partition, keep=2)
    monkeypatch.setattr("sys.stdin", io.StringIO(datagram + "\n"))
    assert main(["audit", "verify", "--checkpoints", "-"]) == 1
    assert f"partition {partition}, event #3: is missing" in capsys.readouterr().out


def test_a_plug_in_sink_gets_each_line_and_a_failing_one_fails_the_command(
    checkpoints, capsys, config
):
    ListSink.lines = []
    config(audit_checkpoint_sink="tests.audit_sinks.ListSink")
    _chained(1)
    checkpoint(checkpoints)
    assert ListSink.lines == [checkpoints.read_text().strip()]
    config(audit_checkpoint_sink="tests.audit_sinks.BrokenSink")
    capsys.readouterr()
    assert main(["audit", "checkpoint", "--file", str(checkpoints)]) == 1
    assert "FAILED tests.audit_sinks.BrokenSink: bucket unreachable" in capsys.readouterr().err
    # The other sinks still got it.
    assert len(checkpoints.read_text().splitlines()) == 2


def test_nowhere_to_send_checkpoints_is_an_error(capsys):
    assert main(["audit", "checkpoint"]) == 2
    assert "SEGL_AUDIT_CHECKPOINT_FILE" in capsys.readouterr().err
