"""Where a login's CPU goes: a batch of whole logins through Django's WSGI handler, in process,
under cProfile, the time grouped by what spends it.

    .venv/bin/python bench/profile_login.py --logins 200 [--top 30] 2>/dev/null  # no log lines

Each login is the ten requests ``bench_http.py`` sends (authorize, the user ID page and the user
ID, the code page and the code, the password page and the password, the done page, finish, the
token request), made on a fresh SQLite database under var/bench (or ``DATABASE_URL``'s, emptied
first) with the request handling a server runs: ``WSGIHandler`` with every middleware, no test
instrumentation. Two tables: the time spent in each part's own code (a function's self time,
by the module it lives in), and the time under a few entry points (their cumulative time), per
login. Run it after a change to see what moved; the HTTP figures are ``bench_http.py``'s.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench import bench_login  # noqa: E402, F401 - the in-process benchmarks' environment
from bench.database import fresh_database  # noqa: E402
from bench.inprocess import Browser, Login  # noqa: E402
from bench.people import make_people  # noqa: E402

# A function's self time goes to the first group whose prefix its file's path contains.
GROUPS = (
    ("Argon2id", ("/argon2/", "_argon2")),
    ("SQLite / psycopg (the driver)", ("sqlite3", "psycopg")),
    ("ORM: building SQL", ("django/db/models/sql/",)),
    ("ORM: models, querysets, fields", ("django/db/",)),
    ("templates", ("django/template/", "django/templatetags/", "django/forms/")),
    ("translations and formats", ("django/utils/translation", "gettext", "django/utils/formats")),
    ("sessions", ("django/contrib/sessions/",)),
    (
        "middleware and request handling",
        (
            "django/core/handlers/",
            "django/middleware/",
            "whitenoise/",
            "django/http/",
            "segl/web/middleware",
        ),
    ),
    ("URL routing", ("django/urls/",)),
    (
        "OIDC library (django-oauth-toolkit, oauthlib, jwcrypto)",
        ("oauth2_provider/", "oauthlib/", "jwcrypto/"),
    ),
    ("cryptography (signatures, AES)", ("cryptography/",)),
    ("audit chain", ("segl/audit/", "segl/core/audit")),
    ("logs and metrics", ("segl/logs", "segl/metrics", "logging/")),
    ("segl (other)", ("segl/",)),
    ("Django (other)", ("django/",)),
    ("Python and other libraries", ("",)),
)
# Time under each (cumulative), per login; a function's name as pstats gives it.
ENTRY_POINTS = (
    ("audit_record", "segl/audit/services.py"),
    ("render", "django/template/backends/django.py"),
    ("load", "django/contrib/sessions/backends/db.py"),
    ("save", "django/contrib/sessions/backends/db.py"),
    ("create_authorization_response", "oauthlib/oauth2/rfc6749/endpoints/authorization.py"),
    ("create_token_response", "oauthlib/oauth2/rfc6749/endpoints/token.py"),
    ("execute", "django/db/backends/utils.py"),
    ("as_sql", "django/db/models/sql/compiler.py"),
    ("verify", "argon2/_password_hasher.py"),
)


def run(logins: list[Login], browser: Browser) -> None:
    for step in Login.STEPS:
        for login in logins:
            step(login, browser)


def per_step(logins: list[Login], browser: Browser) -> list[tuple[str, float, float]]:
    """Each request's CPU ms and SQL statements, per login, without the profiler."""
    from django.db import connection

    statements = 0

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        nonlocal statements
        statements += 1
        return execute(sql, params, many, context)

    rows = []
    with connection.execute_wrapper(count):
        for step, name in zip(Login.STEPS, Login.NAMES, strict=True):
            statements, cpu0 = 0, time.process_time()
            for login in logins:
                step(login, browser)
            cpu = time.process_time() - cpu0
            rows.append((name, 1000 * cpu / len(logins), statements / len(logins)))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logins", type=int, default=200)
    parser.add_argument("--top", type=int, default=0, help="also the N costliest functions")
    args = parser.parse_args()
    fresh_database()
    people, password = make_people(2 * args.logins + 20)
    browser = Browser.with_relying_party()
    run([Login(u, s, password) for u, s in people[:20]], browser)  # warm: imports, caches
    n = args.logins
    rows = per_step([Login(u, s, password) for u, s in people[20 : 20 + n]], browser)
    print(f"{n} logins in process, per login (no profiler):")
    print(f"{'request':16} {'ms CPU':>7} {'SQL':>5}")
    for name, cpu_ms, sql in rows:
        print(f"{name:16} {cpu_ms:7.2f} {sql:5.1f}")
    print(f"{'whole login':16} {sum(r[1] for r in rows):7.2f} {sum(r[2] for r in rows):5.1f}\n")

    logins = [Login(u, s, password) for u, s in people[20 + n :]]
    profiler = cProfile.Profile()
    profiler.enable()
    run(logins, browser)
    profiler.disable()
    stats = pstats.Stats(profiler)
    per_login = 1000 / len(logins)

    groups: dict[str, float] = dict.fromkeys((name for name, _ in GROUPS), 0.0)
    for (filename, _line, function), (_cc, _nc, self_time, _cum, _c) in stats.stats.items():  # type: ignore[attr-defined]
        where = filename if filename != "~" else function  # a built-in: its name says whose
        for name, prefixes in GROUPS:
            if any(p in where for p in prefixes):
                groups[name] += self_time
                break
    total = sum(groups.values())
    print(f"Under the profiler, {total * per_login:.1f} ms a login, of which:")
    print(f"{'own time of':58} ms/login  share")
    for name, seconds in sorted(groups.items(), key=lambda kv: -kv[1]):
        print(f"{name:58} {seconds * per_login:8.2f}  {100 * seconds / total:4.0f} %")
    print(f"\n{'time under':58} ms/login  calls/login")
    for name, suffix in ENTRY_POINTS:
        found = [
            (nc, cum)
            for (filename, _line, fname), (_cc, nc, _self, cum, _c) in stats.stats.items()  # type: ignore[attr-defined]
            if fname == name and filename.endswith(suffix)
        ]
        calls = sum(nc for nc, _ in found)
        cum = sum(c for _, c in found)
        print(
            f"{suffix.rsplit('/', 1)[-1] + ' ' + name:58} {cum * per_login:8.2f}  "
            f"{calls / len(logins):8.1f}"
        )
    if args.top:
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(args.top)
        print(text.getvalue())


if __name__ == "__main__":
    main()
