"""The backup and restore drill: ``pg_dump`` while logins go on, the dump restored into a new
database, a node started on it, and the restored segl checked (decision 38).

    .venv/bin/python deploy/backup_drill.py [--people 30]

On the PostgreSQL server of ``DATABASE_URL`` (or 127.0.0.1:5432), in two databases of its own
(dropped afterwards), with people who have code displays (bench/people.py):

1. a login before the backup, whose one-time code is kept;
2. ``pg_dump --format=custom`` while other people log in, one after another;
3. ``pg_restore`` into a new database, and ``segl serve`` on it with the same settings file
   (the same keys: the seeds and the audit chain are sealed under them);
4. on the restored node: the code used before the backup is refused again within its 30 s
   window (the replay state is in the backup), every person logs in, and ``segl audit verify``
   finds every chain intact.

Exit status 0 when every check holds; the report says what was checked.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench import bench_http, burst  # noqa: E402
from segl.core import otp  # noqa: E402


@dataclass
class Report:
    dump_bytes: int = 0
    dump_seconds: float = 0.0
    restore_seconds: float = 0.0
    logins_during_dump: int = 0
    replay_refused: bool = False
    logged_in: int = 0
    people: int = 0
    audit: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            not self.problems
            and self.replay_refused
            and self.logged_in == self.people
            and "chains intact" in self.audit
        )


def _login(target: bench_http.Target, person: tuple[str, bytes], code: str | None = None) -> str:
    """A whole login; the one-time code it used."""
    requests = bench_http._step_requests(target)
    login = bench_http.Login(burst.Browser(target.server), *person)
    used = code or otp.totp_code(person[1], datetime.now(UTC))
    for step in bench_http.STEPS:
        if step == "code":
            bench_http._post(login, {"step": "code", "code": used}, "code")
        else:
            requests[step](login)
    login.browser.close()
    return used


def _after_this_time_step() -> None:
    """Wait into the next 30 s step: the codes used in this one are spent."""
    time.sleep(30 - time.time() % 30 + 0.5)


def drill(workdir: Path, *, port: int, people: int) -> Report:
    report = Report(people=people)
    source = bench_http.start(
        "source",
        ROOT,
        database="postgres",
        port=port,
        people=people + 1 + 400,  # one before the backup, the people, those during the dump
        workdir=workdir / "source",
        server_cpus=set(),
        settings={},
    )
    restored_url = ""
    restored: burst.Server | None = None
    try:
        before = source.take(1)[0]
        kept_code = _login(source, before)
        everyone = source.take(people)

        # The dump, while people log in one after another.
        stop, during = threading.Event(), source.people[source.used :]

        def load() -> None:
            for person in during:
                if stop.is_set():
                    return
                _login(source, person)
                report.logins_during_dump += 1

        loader = threading.Thread(target=load)
        loader.start()
        time.sleep(0.3)
        dump = workdir / "segl.dump"
        started = time.monotonic()
        subprocess.run(
            ["pg_dump", "--format=custom", "--no-owner", "--file", str(dump),
             source.server.database_url],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        report.dump_seconds = time.monotonic() - started
        report.dump_bytes = dump.stat().st_size
        stop.set()
        loader.join(timeout=120)

        # The restore, into a database of its own, and a node on it with the same settings.
        server_url = burst.postgres_server(os.environ.get("DATABASE_URL"))
        restored_url = burst.fresh_database(server_url, f"segl_drill_{port}_restored")
        started = time.monotonic()
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "--dbname", restored_url, str(dump)],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
        report.restore_seconds = time.monotonic() - started
        site = burst.Site(
            workdir=workdir / "source",
            database_url=restored_url,
            redis_url="",
            port=burst.free_port(range(port + 1, port + 10)),
        )
        restored = burst.start_server(site, workers=1)
        target = bench_http.Target(
            name="restored",
            server=restored,
            rp=source.rp,
            password=source.password,
            people=source.people,
        )

        # The code used before the backup, again, within its window: refused.
        try:
            _login(target, before, code=kept_code)
            report.problems.append("the code used before the backup was accepted again")
        except burst.BurstError as refused:
            report.replay_refused = "code: 200" in str(refused)
            if not report.replay_refused:
                report.problems.append(f"the used code's login failed otherwise: {refused}")

        # Every person logs in on the restored node (in the next time step: the codes of this
        # one may have been used on the source after the dump began).
        _after_this_time_step()
        for person in everyone:
            try:
                _login(target, person)
                report.logged_in += 1
            except burst.BurstError as exc:
                report.problems.append(f"{person[0]} could not log in: {str(exc)[:200]}")
        report.audit = site.run([*site.command, "audit", "verify"], what="segl audit verify")
    finally:
        source.server.stop()
        if restored is not None:
            restored.stop()
        burst.drop_database(source.server.database_url)
        if restored_url:
            burst.drop_database(restored_url)
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=30)
    parser.add_argument("--port", type=int, default=18400)
    parser.add_argument("--workdir", type=Path, default=ROOT / "var" / "backup-drill")
    args = parser.parse_args()
    burst.cleanup(args.workdir)
    report = drill(args.workdir, port=args.port, people=args.people)
    print(
        f"pg_dump: {report.dump_bytes / 1e6:.1f} MB in {report.dump_seconds:.2f} s, while "
        f"{report.logins_during_dump} logins went on; pg_restore: {report.restore_seconds:.2f} s"
    )
    print(f"the code used before the backup refused after the restore: {report.replay_refused}")
    print(f"people who logged in on the restored node: {report.logged_in} of {report.people}")
    print(f"segl audit verify: {report.audit.strip().splitlines()[-1] if report.audit else '-'}")
    for problem in report.problems:
        print(f"PROBLEM: {problem}")
    print("drill passed" if report.ok else "drill FAILED")
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
