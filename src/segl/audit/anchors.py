"""Taking signed checkpoints of the audit chains and sending them to append-only storage.

A checkpoint line goes to every configured *sink*: the checkpoint file (appended, opened with
``O_APPEND``, synced), syslog (a local socket such as ``/dev/log``, or a remote ``udp://`` or
``tcp://`` collector), and optionally a class named by ``SEGL_AUDIT_CHECKPOINT_SINK``: anything
with an ``append(line: str) -> None`` method, e.g. one that writes each line as an object to a
bucket under object lock (WORM). A sink that fails makes the command fail, after the others
have been written to.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import socket
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.module_loading import import_string

from segl.core.checkpoints import Head, key_id, sign_checkpoint

from .keys import signing_key
from .models import AuditPartition


class CheckpointSink(Protocol):
    """Append-only storage for checkpoint lines; ``append`` raises if the line was not kept."""

    def append(self, line: str) -> None: ...


class NoSigningKey(Exception):
    """No checkpoint signing key is configured here."""


@dataclass(frozen=True)
class Taken:
    line: str
    key_id: str
    heads: int
    sent_to: tuple[str, ...]
    failed: tuple[str, ...]


class FileSink:
    """Appends each line with one write on a descriptor opened ``O_APPEND``, then syncs."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            os.write(fd, line.encode("ascii") + b"\n")
            os.fsync(fd)
        finally:
            os.close(fd)

    def __str__(self) -> str:
        return str(self.path)


class _RaisingSysLogHandler(logging.handlers.SysLogHandler):
    def handleError(self, record: logging.LogRecord) -> None:
        # Called inside emit()'s except block: let the failure reach the caller.
        raise


class SyslogSink:
    """Sends each line to syslog (facility authpriv) tagged ``segl-audit``."""

    def __init__(self, address: str) -> None:
        self.address = address

    def append(self, line: str) -> None:
        target: str | tuple[str, int]
        socktype = socket.SOCK_DGRAM
        if self.address.startswith("/"):
            target = self.address
        else:
            parts = urlsplit(self.address)
            target = (parts.hostname or "localhost", parts.port or 514)
            if parts.scheme == "tcp":
                socktype = socket.SOCK_STREAM
        handler = _RaisingSysLogHandler(
            address=target,
            facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV,
            socktype=socktype,
        )
        handler.append_nul = False
        handler.setFormatter(logging.Formatter("segl-audit: %(message)s"))
        try:
            handler.emit(logging.makeLogRecord({"msg": line, "levelno": logging.INFO}))
        finally:
            handler.close()

    def __str__(self) -> str:
        return f"syslog {self.address}"


def checkpoint_sinks(file: Path | None = None) -> list[CheckpointSink]:
    """The configured sinks; ``file`` replaces the configured checkpoint file."""
    config = settings.CONFIG
    sinks: list[CheckpointSink] = []
    path = file or config.audit_checkpoint_file
    if path is not None:
        sinks.append(FileSink(path))
    if config.audit_syslog:
        sinks.append(SyslogSink(config.audit_syslog))
    if config.audit_checkpoint_sink:
        sinks.append(import_string(config.audit_checkpoint_sink)())
    return sinks


def audit_checkpoint(*, now: datetime, sinks: Sequence[CheckpointSink]) -> Taken:
    """Sign the committed head of every partition and append the line to each sink."""
    key = signing_key()
    if key is None:
        raise NoSigningKey(
            "no checkpoint signing key: set SEGL_AUDIT_SIGNING_KEY_FILE where checkpoints are taken"
        )
    heads = [
        Head(number, seq, digest)
        for number, seq, digest in AuditPartition.objects.order_by("number").values_list(
            "number", "seq", "digest"
        )
    ]
    line = sign_checkpoint(key, at=now, heads=heads)
    sent, failed = [], []
    for sink in sinks:
        try:
            sink.append(line)
        except Exception as exc:  # one broken sink must not keep the line from the others
            failed.append(f"{_label(sink)}: {exc}")
        else:
            sent.append(_label(sink))
    return Taken(
        line=line,
        key_id=key_id(key.public_key()),
        heads=len(heads),
        sent_to=tuple(sent),
        failed=tuple(failed),
    )


def _label(sink: CheckpointSink) -> str:
    if type(sink).__str__ is not object.__str__:
        return str(sink)
    return f"{type(sink).__module__}.{type(sink).__qualname__}"
