"""Running segl: ``init``, ``serve``, ``migrate``, ``check`` and ``manage``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from segl.audit.cli_setup import audit_init_settings

from .base import Commands, command, fail, json_flag, now, out


def register(commands: Commands) -> None:
    p = command(
        commands,
        "init",
        cmd_init,
        "write a file of fresh secrets (development, single node)",
        django=False,
    )
    p.add_argument("--env-file", default="var/segl.env")
    p.add_argument("--env", default="development", choices=["development", "production"])
    p.add_argument("--force", action="store_true", help="replace an existing file")
    json_flag(p)

    p = command(commands, "serve", cmd_serve, "serve segl over HTTP (ASGI, uvicorn)")
    p.add_argument("--host", default="localhost")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)

    p = command(commands, "migrate", cmd_migrate, "create or update the database tables")
    p.add_argument("--quiet", action="store_true")

    p = command(
        commands, "check", cmd_check, "check configuration, keys, database and Django's checks"
    )
    p.add_argument("--workers", type=int, default=1, help="as 'segl serve --workers' will run")
    json_flag(p)

    p = command(commands, "manage", cmd_manage, "run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)


def cmd_init(args: argparse.Namespace) -> int:
    """Write a file of fresh secrets for a development or single-node installation."""
    from segl.config import read_env_file

    env_file = Path(args.env_file)
    if env_file.exists() and not args.force:  # keep it; add only what a newer segl needs
        existing = read_env_file(env_file)
        added = {**audit_init_settings(env_file.parent, existing), **_vapid_setting(existing)}
        with env_file.open("a", encoding="utf-8") as handle:
            handle.writelines(f"{name}={value}\n" for name, value in added.items())
        out(
            args,
            {"env_file": str(env_file), "written": False, "added": list(added)},
            f"{env_file} exists; keeping it (use --force to replace it)"
            + "".join(f"\n  added {name}" for name in added),
        )
        return 0
    env_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    lines = [
        "# segl settings written by 'segl init'. Keep this file secret.",
        f"SEGL_ENV={args.env}",
        *_fresh_secrets(env_file.parent),
    ]
    if args.env != "production":  # production refuses the demo's secret
        import secrets as pysecrets

        lines.append(f"SEGL_DEMO_RP_SECRET={pysecrets.token_urlsafe(24)}")
        # Time to take a screenshot and run 'segl app approve --image' (production: 5 s).
        lines.append("SEGL_APP_QR_MAX_AGE_SECONDS=30")
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env_file.chmod(0o600)
    out(args, {"env_file": str(env_file), "written": True}, f"wrote {env_file}")
    return 0


def _fresh_secrets(folder: Path) -> list[str]:
    """Settings lines with new keys; the OIDC signing key goes to a file of its own."""
    import base64
    import secrets as pysecrets

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key_file = folder / "oidc-signing-key.pem"
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_file.chmod(0o600)
    kek = base64.urlsafe_b64encode(pysecrets.token_bytes(32)).decode().rstrip("=")
    return [
        f"SEGL_SECRET_KEY={pysecrets.token_urlsafe(48)}",
        f"SEGL_KEYS=k{now():%Y%m%d}:{kek}",
        f"SEGL_OIDC_PRIVATE_KEY_FILE={key_file.resolve()}",
        f"SEGL_DATA_DIR={folder.resolve()}",
        *(f"{k}={v}" for k, v in audit_init_settings(folder, {}).items()),
        *(f"{k}={v}" for k, v in _vapid_setting({}).items()),
    ]


def _vapid_setting(existing: dict[str, str]) -> dict[str, str]:
    """The key segl signs its Web Push notifications with (RFC 8292), unless there is one."""
    from segl.noticesettings import new_vapid_key

    if existing.get("SEGL_VAPID_PRIVATE_KEY"):
        return {}
    return {"SEGL_VAPID_PRIVATE_KEY": new_vapid_key()}


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn
    from django.conf import settings

    from segl.config import ConfigError
    from segl.startup import check_workers

    try:
        warning = check_workers(settings.CONFIG, args.workers)
    except ConfigError as exc:
        return fail(f"Refusing to start in production: {exc}.")
    if warning:
        print(f"segl: warning: {warning}", file=sys.stderr)
    from segl.metrics import prepare_workers

    # One set of metrics for the workers of this server.
    prepare_workers(settings.CONFIG.data_dir, args.workers, port=args.port)
    print(f"segl is serving {settings.CONFIG.base_url}/ (Ctrl+C stops it)", flush=True)
    uvicorn.run(
        "segl.asgi:application",
        host=args.host,
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        # segl reads X-Forwarded-For itself, from SEGL_TRUSTED_PROXIES only (segl.http).
        proxy_headers=False,
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if args.quiet else 1)
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    execute_from_command_line(["segl manage", *args.rest])
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check configuration, keys, database and Django's system checks; 1 when one fails."""
    from django.conf import settings

    results = {
        "keys": _check_keys(),
        "database": _check_database(),
        "django": _check_django(),
        "environment": settings.CONFIG.env,
        "cache": _check_cache(args.workers),
    }
    ok = not any(str(v).startswith("failed") for v in results.values())
    out(
        args,
        {"ok": ok, **results},
        "\n".join(f"{k:12} {v}" for k, v in results.items()) + ("\nok" if ok else "\nFAILED"),
    )
    return 0 if ok else 1


def _check_keys() -> str:
    from segl.keys import keyring

    try:
        ring = keyring()
        ring.decrypt(ring.encrypt(b"check", aad=b"check"), aad=b"check")
    except Exception as exc:
        return f"failed: {exc}"
    return "ok"


def _check_database() -> str:
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:
        return f"failed: {exc.__class__.__name__}"
    return f"ok ({connection.vendor})"


def _check_django() -> str:
    """Django's system checks (segl's own among them); errors fail, warnings are listed."""
    from django.conf import settings
    from django.core import checks

    found = checks.run_checks(include_deployment_checks=settings.CONFIG.env == "production")
    errors = [str(m) for m in found if m.level >= checks.ERROR]
    if errors:
        return "failed: " + "; ".join(errors)
    warnings = [str(m) for m in found if checks.WARNING <= m.level < checks.ERROR]
    return "ok" + (f" (warnings: {'; '.join(warnings)})" if warnings else "")


def _check_cache(workers: int) -> str:
    from django.conf import settings

    from segl.config import ConfigError
    from segl.startup import check_workers

    cache = "redis" if settings.CONFIG.redis_url else "in-process"
    try:
        warning = check_workers(settings.CONFIG, workers)
    except ConfigError as exc:
        return f"failed: {exc}"
    return cache + (f" (warning: {warning})" if warning else "")
