"""What ``segl audit verify``, ``checkpoint`` and ``public-key`` do and print."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings

from segl import clock
from segl.core.checkpoints import load_verify_key, public_key_pem

from .anchors import NoSigningKey, audit_checkpoint, checkpoint_sinks
from .keys import signing_key, verify_keys
from .verify import AuditReport, audit_check


class CommandError(Exception):
    """Bad arguments or configuration; the message says what to do."""


def run(args: argparse.Namespace) -> int:
    """``segl audit SUBCOMMAND``, with the arguments :mod:`segl.audit.cli_setup` defines."""
    if args.subcommand == "checkpoint":
        return checkpoint(file=args.file, as_json=args.json)
    if args.subcommand == "public-key":
        return public_key()
    return verify(checkpoints=args.checkpoints, public_keys=args.public_key, as_json=args.json)


def verify(*, checkpoints: str | None, public_keys: list[str], as_json: bool) -> int:
    """0 when every chain checks out, 1 when something is broken."""
    extra = []
    for path in public_keys:
        try:
            extra.append(load_verify_key(Path(path).read_bytes()))
        except (OSError, ValueError) as exc:
            raise CommandError(f"--public-key {path}: {exc}") from None
    keys = verify_keys(extra)
    source = checkpoints or _configured_file()
    with _lines(source) as lines:
        if lines is not None and not keys:
            raise CommandError(
                "cannot check the checkpoints' signatures: give --public-key"
                " (see 'segl audit public-key')"
            )
        report = audit_check(checkpoints=lines, verify_keys=keys)
    _print(report, source if lines is not None else None, as_json)
    return 0 if report.ok else 1


def checkpoint(*, file: str | None, as_json: bool) -> int:
    sinks = checkpoint_sinks(Path(file) if file else None)
    if not sinks:
        raise CommandError(
            "nowhere to send checkpoints: set SEGL_AUDIT_CHECKPOINT_FILE or SEGL_AUDIT_SYSLOG,"
            " or give --file"
        )
    try:
        taken = audit_checkpoint(now=clock.now(), sinks=sinks)
    except NoSigningKey as exc:
        raise CommandError(str(exc)) from None
    data: dict[str, Any] = {
        "heads": taken.heads,
        "key": taken.key_id,
        "sent_to": list(taken.sent_to),
        "failed": list(taken.failed),
        "checkpoint": json.loads(taken.line),
    }
    text = f"checkpoint of {taken.heads} partitions signed by {taken.key_id}"
    text += "".join(f"\n  sent to {s}" for s in taken.sent_to)
    text += "".join(f"\n  FAILED {s}" for s in taken.failed)
    _emit(data, text, as_json, sys.stdout if not taken.failed else sys.stderr)
    return 0 if not taken.failed else 1


def public_key() -> int:
    key = signing_key()
    if key is None:
        raise CommandError("no checkpoint signing key is configured here")
    sys.stdout.write(public_key_pem(key.public_key()).decode("ascii"))
    return 0


def _configured_file() -> str | None:
    path = settings.CONFIG.audit_checkpoint_file
    return str(path) if path is not None and path.exists() else None


@contextmanager
def _lines(source: str | None) -> Iterator[TextIO | None]:
    if source is None:
        yield None
    elif source == "-":
        yield sys.stdin
    else:
        try:
            handle = open(source, encoding="utf-8", errors="replace")  # noqa: SIM115
        except OSError as exc:
            raise CommandError(f"cannot read {source}: {exc.strerror}") from None
        with handle:
            yield handle


def _print(report: AuditReport, source: str | None, as_json: bool) -> None:
    data: dict[str, Any] = {
        "ok": report.ok,
        "events": report.events,
        "partitions": report.partitions,
        "checkpoints": report.checkpoints,
        "checkpoint_file": source,
        "newest_checkpoint": report.newest_checkpoint,
        "not_yet_anchored": report.unanchored,
        "breaks": [
            {"partition": b.partition, "seq": b.seq, "id": b.event_id, "reason": b.reason}
            for b in report.breaks
        ],
        "more_breaks": report.more_breaks,
        "checkpoint_problems": report.checkpoint_problems,
    }
    lines = [f"{report.events} events in {len(report.partitions)} partitions"]
    if source is None:
        lines.append(
            "no checkpoints given: a cut-off tail, or chains re-sealed with the audit key,"
            " cannot be seen (run 'segl audit checkpoint' and give --checkpoints)"
        )
    else:
        newest = report.newest_checkpoint
        lines.append(
            f"{report.checkpoints} checkpoints in {source}"
            + (f", the newest of {newest.isoformat(timespec='seconds')}" if newest else "")
            + f"; {report.unanchored} events written since are not anchored yet"
        )
    if report.ok:
        lines.append("chains intact")
    else:
        problems = len(report.breaks) + report.more_breaks + len(report.checkpoint_problems)
        lines.append(f"{problems} problems; the first bad event of each partition comes first:")
        lines += [f"  {b.where()}: {b.reason}" for b in report.breaks]
        if report.more_breaks:
            lines.append(f"  … and {report.more_breaks} more")
        lines += [f"  {p}" for p in report.checkpoint_problems]
    _emit(data, "\n".join(lines), as_json, sys.stdout)


def _emit(data: dict[str, Any], text: str, as_json: bool, stream: TextIO) -> None:
    if as_json:
        stream.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")
    else:
        stream.write(text + "\n")
