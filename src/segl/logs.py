"""Structured logs: one JSON object a line, on standard error unless configured otherwise.

Two loggers an operator reads (decision 26):

- ``segl.request``: one line a request (``segl.web.middleware.RequestLogMiddleware``): method,
  path without the query string, status, duration, client address, view, request id.
- ``segl.security``: one line for each audit event, once its transaction committed
  (:func:`security_event`, called by :func:`segl.audit.services.audit_record`): the action,
  outcome, who and from where, and the few data fields on :data:`SAFE_DATA`.

What never reaches a line: secrets, one-time codes, PINs, passwords, whole CPR numbers. The
request line has no query string or body; the security line takes only listed data fields and
drops the user ID someone typed that matched no one (it may be a mistyped password); on every
line anything shaped like a CPR number is masked.
"""

from __future__ import annotations

import json
import logging
import re
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

REQUEST_ID: ContextVar[str] = ContextVar("segl_request_id", default="")

request_log = logging.getLogger("segl.request")
security_log = logging.getLogger("segl.security")

# Data fields of audit events that say what happened without saying a secret.
SAFE_DATA = frozenset(
    {
        "action",
        "amr",
        "batch",
        "because",
        "by",
        "count",
        "failures",
        "flow",
        "kind",
        "level",
        "method",
        "mode",
        "reason",
        "request",
        "rotated",
        "unknown_user",
        "until",
    }
)
_CPR = re.compile(r"(?<!\w)(\d{6})-?\d{4}(?!\w)")


def mask(value: str) -> str:
    """``value`` with anything shaped like a CPR number cut to its birth date."""
    return _CPR.sub(r"\1-****", value)


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: time (UTC, the machine's), level, logger, process, event,
    the record's ``segl`` fields, and the request id of the request it happened in. Anything
    shaped like a CPR number, in any field of any line (an exception's text too), is cut to its
    birth date.

    The line has no thread, process name or source position, so the records this process makes
    do not gather them (the logging HOWTO's "Optimization"): a request writes several lines,
    and each costs a little less.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        logging.logThreads = False
        logging.logMultiprocessing = False
        logging._srcfile = None

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "pid": record.process,
            "event": record.getMessage(),
        }
        fields = getattr(record, "segl", None)
        if fields:
            entry.update(fields)
        request_id = REQUEST_ID.get()
        if request_id:
            entry.setdefault("request_id", request_id)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return mask(json.dumps(entry, default=str, separators=(",", ":")))


def security_event(
    *, action: str, outcome: str, actor: str, subject: str, ip: str, data: dict[str, Any]
) -> None:
    """Log one audit event on ``segl.security`` (a warning when it failed, else info)."""
    level = logging.INFO if outcome == "ok" else logging.WARNING
    if not security_log.isEnabledFor(level):
        return
    if action == "flow.user_id" and outcome == "unknown":
        subject = ""  # what was typed matched no one: it may be anything, a password too
    # CPR numbers are masked when the line is formatted (JsonFormatter).
    fields: dict[str, Any] = {
        "action": action,
        "outcome": outcome,
        "actor": actor,
        "subject": subject,
        "client": ip,
    }
    safe = {key: value for key, value in data.items() if key in SAFE_DATA}
    if safe:
        fields["data"] = safe
    security_log.log(level, action, extra={"segl": fields})
