"""Prometheus metrics: logins, failures, locks, approvals, and the latency of each view.

The counters follow the audit events (:func:`count_event`, called once an event's transaction
committed), so a metric and the audit log never disagree about what happened. The latency
histogram is observed by :class:`segl.web.middleware.RequestLogMiddleware`.

Several server processes (``segl serve --workers N``) each count their own; with
``PROMETHEUS_MULTIPROC_DIR`` set (``segl serve`` sets it to a fresh directory under the data
directory, :func:`prepare_workers`) each process writes its values there and a scrape of any
of them sums all (prometheus_client's multiprocess mode). Counters restart at zero with the
server, as Prometheus expects of a counter.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"

LOGINS_STARTED = Counter("segl_logins_started", "Logins started (flow.start).")
LOGINS_SUCCEEDED = Counter("segl_logins_succeeded", "Logins completed (flow.done).")
LOGINS_FAILED = Counter(
    "segl_login_failures", "Refused steps of logins, by step.", labelnames=("step",)
)
CODE_FAILURES = Counter(
    "segl_code_failures", "One-time codes refused, by device kind.", labelnames=("kind",)
)
LOCKS = Counter("segl_locks", "Authenticators and passwords locked or blocked.", ["what"])
APPROVALS = Counter("segl_app_answers", "Answers from the app, by decision.", ["decision"])
LATENCY = Histogram(
    "segl_request_duration_seconds",
    "Time to answer a request, by view.",
    labelnames=("view",),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)

# Audit events that lock something: what to call it in the ``what`` label.
_LOCK_EVENTS = {
    "device.suspend_temporarily": "device_suspended",
    "device.disable": "device_blocked",
    "password.disable": "password_blocked",
}


def count_event(action: str, outcome: str, data: dict[str, Any]) -> None:
    """Count one committed audit event."""
    failed = outcome != "ok"
    if action == "flow.start":
        LOGINS_STARTED.inc()
    elif action == "flow.done":
        LOGINS_SUCCEEDED.inc()
    elif action == "code.verify" and failed:
        CODE_FAILURES.labels(kind=str(data.get("kind", ""))[:32]).inc()
        if "flow" in data:
            LOGINS_FAILED.labels(step="code").inc()
    elif action == "password.verify" and failed and "flow" in data:
        LOGINS_FAILED.labels(step="password").inc()
    elif action == "flow.user_id" and outcome.startswith("identity_"):
        LOGINS_FAILED.labels(step="user_id").inc()
    elif action == "app.answer":
        APPROVALS.labels(decision=outcome[:32]).inc()
        if outcome != "approve":
            LOGINS_FAILED.labels(step="app").inc()
    elif action == "app.unlock" and outcome == "locked":
        LOCKS.labels(what="app_locked").inc()
    if action in _LOCK_EVENTS:
        LOCKS.labels(what=_LOCK_EVENTS[action]).inc()


def exposition() -> tuple[bytes, str]:
    """The text a scrape gets, and its content type; every process's values in multiprocess
    mode."""
    if os.environ.get(MULTIPROCESS_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def prepare_workers(data_dir: Path, workers: int, *, port: int) -> None:
    """Before ``workers`` server processes start: with more than one, a fresh directory for
    their values (the last run's counts would otherwise be added in), one per server, so nodes
    that share a data folder keep their counts apart. The worker processes inherit the
    variable and open prometheus_client in multiprocess mode."""
    if workers <= 1:
        return
    directory = data_dir / "metrics" / str(port)
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(mode=0o700, parents=True)
    os.environ[MULTIPROCESS_ENV] = str(directory)
