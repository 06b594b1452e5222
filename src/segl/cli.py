"""The ``segl`` command, for those who run the system.

Every command has ``--help``; commands a script would read take ``--json``. Commands that need
the database set Django up first; ``segl init`` and ``segl factory`` need no configuration.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from segl import clock
from segl.audit.cli_setup import audit_arguments, audit_init_settings

Handler = Callable[[argparse.Namespace], int]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segl.settings")
    import django

    from segl.config import ConfigError

    try:
        django.setup()
    except ConfigError as exc:
        raise SystemExit(f"segl: configuration: {exc}") from None


def _now() -> datetime:
    return clock.now()


def _out(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    else:
        print(text)


def _fail(message: str) -> int:
    print(f"segl: {message}", file=sys.stderr)
    return 2


def _read_secret_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes().rstrip(b"\r\n")
    except OSError as exc:
        raise SystemExit(f"segl: cannot read {path}: {exc.strerror}") from None


# -- init -------------------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    """Write a file of fresh secrets for a development or single-node installation."""
    import base64
    import secrets as pysecrets

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    from segl.config import read_env_file

    env_file = Path(args.env_file)
    if env_file.exists() and not args.force:  # keep it; add only what a newer segl needs
        added = audit_init_settings(env_file.parent, read_env_file(env_file))
        with env_file.open("a", encoding="utf-8") as handle:
            handle.writelines(f"{name}={value}\n" for name, value in added.items())
        _out(
            args,
            {"env_file": str(env_file), "written": False, "added": list(added)},
            f"{env_file} exists; keeping it (use --force to replace it)"
            + "".join(f"\n  added {name}" for name in added),
        )
        return 0
    env_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key_file = env_file.parent / "oidc-signing-key.pem"
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
    lines = [
        "# segl settings written by 'segl init'. Keep this file secret.",
        f"SEGL_ENV={args.env}",
        f"SEGL_SECRET_KEY={pysecrets.token_urlsafe(48)}",
        f"SEGL_KEYS=k{_now():%Y%m%d}:{kek}",
        f"SEGL_OIDC_PRIVATE_KEY_FILE={key_file.resolve()}",
        f"SEGL_DATA_DIR={env_file.parent.resolve()}",
        *(f"{k}={v}" for k, v in audit_init_settings(env_file.parent, {}).items()),
    ]
    if args.env != "production":  # production refuses the demo's secret
        lines.append(f"SEGL_DEMO_RP_SECRET={pysecrets.token_urlsafe(24)}")
    env_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env_file.chmod(0o600)
    _out(args, {"env_file": str(env_file), "written": True}, f"wrote {env_file}")
    return 0


# -- serve, migrate, check, manage ------------------------------------------------------------


def cmd_serve(args: argparse.Namespace) -> int:
    _setup()
    import uvicorn
    from django.conf import settings

    from segl.config import ConfigError
    from segl.startup import check_workers

    try:
        warning = check_workers(settings.CONFIG, args.workers)
    except ConfigError as exc:
        return _fail(f"refusing to start in production: {exc}")
    if warning:
        print(f"segl: warning: {warning}", file=sys.stderr)
    from segl.metrics import prepare_workers

    prepare_workers(settings.CONFIG.data_dir, args.workers)  # one set of metrics for them all
    print(f"segl is serving {settings.CONFIG.base_url}/ (Ctrl+C stops it)", flush=True)
    uvicorn.run(
        "segl.asgi:application",
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
        # segl reads X-Forwarded-For itself, from SEGL_TRUSTED_PROXIES only (segl.http).
        proxy_headers=False,
    )
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    _setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0 if args.quiet else 1)
    return 0


def cmd_manage(args: argparse.Namespace) -> int:
    _setup()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["segl manage", *args.rest])
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Check configuration, keys, database and Django's own checks."""
    _setup()
    from django.conf import settings
    from django.core import checks
    from django.db import connection

    from segl.config import ConfigError
    from segl.keys import keyring
    from segl.startup import check_workers

    results: dict[str, str] = {}
    ok = True
    try:
        ring = keyring()
        ring.decrypt(ring.encrypt(b"check", aad=b"check"), aad=b"check")
        results["keys"] = "ok"
    except Exception as exc:
        results["keys"] = f"failed: {exc}"
        ok = False
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        results["database"] = f"ok ({connection.vendor})"
    except Exception as exc:
        results["database"] = f"failed: {exc.__class__.__name__}"
        ok = False
    problems = [
        message
        for message in checks.run_checks(
            include_deployment_checks=settings.CONFIG.env == "production"
        )
        if message.level >= checks.ERROR
    ]
    results["django"] = "ok" if not problems else "; ".join(str(m) for m in problems)
    ok = ok and not problems
    results["environment"] = settings.CONFIG.env
    results["cache"] = "redis" if settings.CONFIG.redis_url else "in-process"
    try:
        warning = check_workers(settings.CONFIG, args.workers)
    except ConfigError as exc:
        results["cache"], ok = f"failed: {exc}", False
    else:
        results["cache"] += f" (warning: {warning})" if warning else ""
    _out(
        args,
        {"ok": ok, **results},
        "\n".join(f"{k:12} {v}" for k, v in results.items()) + ("\nok" if ok else "\nFAILED"),
    )
    return 0 if ok else 1


# -- factory and tokens -----------------------------------------------------------------------


def cmd_factory_make(args: argparse.Namespace) -> int:
    """Make a batch of emulated devices: device files and an encrypted PSKC file."""
    import secrets as pysecrets

    from tqdm import tqdm

    from segl.emulators.factory import make_batch

    out = Path(args.out)
    if args.passphrase_file:
        passphrase = _read_secret_file(args.passphrase_file)
        passphrase_path = None
    else:
        passphrase = pysecrets.token_urlsafe(24).encode()
        out.mkdir(parents=True, exist_ok=True)
        passphrase_path = out / "batch-passphrase.txt"
    with tqdm(
        total=args.count, unit="device", disable=args.json or not sys.stderr.isatty(), desc="making"
    ) as bar:
        result = make_batch(
            args.kind, args.count, out, passphrase=passphrase, on_device=lambda n: bar.update(1)
        )
    if passphrase_path is not None:
        passphrase_path.write_bytes(passphrase + b"\n")
        passphrase_path.chmod(0o600)
    data = {
        "kind": args.kind,
        "count": args.count,
        "pskc": str(result.pskc_path),
        "devices": str(out / "devices"),
        "serials": list(result.serials),
        "passphrase_file": str(passphrase_path or args.passphrase_file),
    }
    _out(
        args,
        data,
        f"made {args.count} {args.kind} devices\n  PSKC file:   {result.pskc_path}\n"
        f"  device files: {out / 'devices'}\n  passphrase:  {data['passphrase_file']}",
    )
    return 0


def cmd_tokens_import(args: argparse.Namespace) -> int:
    """Import a vendor's PSKC file into the device inventory, all or nothing."""
    _setup()
    from tqdm import tqdm

    from segl.authenticators.services import DeviceError, device_import
    from segl.core.errors import PskcError
    from segl.core.pskc import parse_pskc

    data = Path(args.file).read_bytes() if Path(args.file).is_file() else None
    if data is None:
        return _fail(f"{args.file}: no such file")
    passphrase = _read_secret_file(args.passphrase_file) if args.passphrase_file else None
    psk = bytes.fromhex(_read_secret_file(args.psk_file).decode()) if args.psk_file else None
    show = not args.json and sys.stderr.isatty()
    try:
        with tqdm(desc="reading", unit="key", disable=not show) as bar:
            seeds = parse_pskc(data, passphrase=passphrase, psk=psk, on_key=lambda n: bar.update(1))
    except PskcError as exc:
        return _fail(f"{args.file}: {exc} (nothing was imported)")

    def kind_of(seed: Any) -> str:
        return str(args.kind or seed.model or "")

    try:
        with tqdm(total=len(seeds), desc="importing", unit="token", disable=not show) as bar:
            result = device_import(
                seeds=seeds,
                kind_of=kind_of,
                batch=args.batch or Path(args.file).stem,
                on_progress=bar.update,
                actor="cli",
            )
    except DeviceError as exc:
        return _fail(f"{exc} (nothing was imported)")
    _out(
        args,
        {"imported": result.imported, "batch": result.batch},
        f"imported {result.imported} tokens (batch {result.batch})",
    )
    return 0


# -- rp -----------------------------------------------------------------------------------------


def cmd_rp_add(args: argparse.Namespace) -> int:
    _setup()
    from segl.oidc.services import RpError, rp_add

    try:
        app, secret = rp_add(
            name=args.name,
            redirect_uris=args.redirect_uri,
            client_id=args.client_id,
            public=args.public,
            actor="cli",
        )
    except RpError as exc:
        return _fail(str(exc))
    data = {
        "name": app.name,
        "client_id": app.client_id,
        "client_secret": secret,
        "redirect_uris": app.redirect_uris.split(),
    }
    _out(
        args,
        data,
        f"registered {app.name}\n  client_id:     {app.client_id}\n"
        f"  client_secret: {secret or '(public client)'}   (shown once; keep it safe)",
    )
    return 0


def cmd_rp_list(args: argparse.Namespace) -> int:
    _setup()
    from oauth2_provider.models import Application

    rows = [
        {"name": a.name, "client_id": a.client_id, "redirect_uris": a.redirect_uris.split()}
        for a in Application.objects.order_by("name")
    ]
    _out(
        args, {"rps": rows}, "\n".join(f"{r['client_id']:40} {r['name']}" for r in rows) or "no RPs"
    )
    return 0


# -- identity -----------------------------------------------------------------------------------


def cmd_identity_create(args: argparse.Namespace) -> int:
    _setup()
    from django.db import transaction

    from segl.core.errors import CprError
    from segl.identities.services import IdentityError, identity_create, person_create

    try:
        with transaction.atomic():
            person = person_create(
                cpr=args.cpr,
                given_name=args.given_name,
                family_name=args.family_name,
                address=args.address or "",
                passport_numbers=args.passport or [],
                actor="cli",
            )
            identity = identity_create(
                person=person, user_id=args.user_id, ial=args.ial, actor="cli", now=_now()
            )
    except (CprError, IdentityError) as exc:
        return _fail(f"{getattr(exc, 'reason', exc)} (nothing was created)")
    _out(
        args,
        {"id": str(identity.id), "user_id": identity.user_id, "ial": identity.ial},
        f"created identity {identity.user_id} ({identity.id})",
    )
    return 0


def cmd_identity_show(args: argparse.Namespace) -> int:
    _setup()
    from segl.authenticators.models import Authenticator
    from segl.core.cpr import mask_cpr
    from segl.identities.models import Identity

    identity = (
        Identity.objects.select_related("person").filter(user_id__iexact=args.user_id).first()
    )
    if identity is None:
        return _fail(f"no identity with user ID {args.user_id!r}")
    auths = [
        {"kind": a.kind, "status": a.status, "serial": a.device.serial if a.device else None}
        for a in Authenticator.objects.filter(identity=identity).select_related("device")
    ]
    data = {
        "id": str(identity.id),
        "user_id": identity.user_id,
        "status": identity.status,
        "ial": identity.ial,
        "person": mask_cpr(identity.person.cpr),
        "preferred_method": identity.preferred_method,
        "authenticators": auths,
    }
    _out(args, data, json.dumps(data, indent=2))
    return 0


# -- device -------------------------------------------------------------------------------------


def cmd_device_activate(args: argparse.Namespace) -> int:
    """Activate a code display or audio code reader for an identified person (seed 001)."""
    _setup()
    from segl.authenticators.kinds import KINDS
    from segl.authenticators.models import Device
    from segl.authenticators.services import DeviceError, device_activate
    from segl.core.errors import (
        InvalidCode,
        Locked,
        PasswordRejected,
        ReplayedCode,
        SeglError,
    )
    from segl.core.serials import RULE, is_serial, normalise_serial
    from segl.identities.models import Identity

    identity = Identity.objects.filter(user_id__iexact=args.user_id).first()
    if identity is None:
        return _fail(f"no identity with user ID {args.user_id!r}")
    serial = normalise_serial(args.serial)
    if not is_serial(serial):
        return _fail(f"serial number {args.serial!r}: {RULE}")
    device = Device.objects.filter(serial=serial).first()
    if device is None or device.kind not in KINDS:
        return _fail(f"no device with serial number {serial}")
    code = args.code or input("The one-time code shown on the device: ")
    if args.password_file:
        password = _read_secret_file(args.password_file).decode()
    else:
        password = getpass.getpass("Create a password: ")
        if getpass.getpass("Confirm the password: ") != password:
            return _fail("the passwords do not match (nothing was changed)")
    try:
        auth = device_activate(
            identity=identity,
            serial=serial,
            code=code,
            password=password,
            now=_now(),
            actor=args.operator or "cli",
        )
    except PasswordRejected as exc:
        return _fail(f"password not accepted: {exc.reason} (nothing was changed)")
    except Locked as exc:
        return _fail(f"the device is locked until {exc.until:%H:%M} UTC after 3 wrong codes")
    except DeviceError as exc:
        return _fail(f"cannot activate: {exc.reason}")
    except ReplayedCode:
        return _fail("that code has already been used; press the button again for a new one")
    except InvalidCode:
        return _fail("the code is not correct (nothing was changed)")
    except SeglError as exc:
        return _fail(f"cannot activate: {exc.code}")
    _out(
        args,
        {"user_id": identity.user_id, "serial": serial, "kind": auth.kind},
        f"activated {auth.get_kind_display()} {serial} for {identity.user_id}",
    )
    return 0


def cmd_device_press(args: argparse.Namespace) -> int:
    """Press the button on an emulated device: prints the code from its device file only."""
    from segl.emulators.device_file import DeviceFile, check_serial

    directory = Path(args.dir or os.environ.get("SEGL_DEVICE_DIR") or "var/devices")
    try:
        serial = check_serial(args.serial)
    except ValueError as exc:
        return _fail(f"serial number: {exc}")
    path = directory / f"{serial}.json"
    if not path.is_file():
        return _fail(f"no device file {path}")
    device = DeviceFile.load(path)
    code = device.press(_now())
    if device.algorithm == "hotp":
        device.dump(path)
    _out(args, {"serial": serial, "code": code}, code)
    return 0


def cmd_device_resync(args: argparse.Namespace) -> int:
    """Resynchronise an HOTP token from two consecutive codes."""
    _setup()
    from segl.authenticators.services import DeviceError, device_resync
    from segl.core.errors import SeglError
    from segl.core.serials import normalise_serial

    if len(args.code) != 2:
        return _fail("give exactly two consecutive codes: --code C1 --code C2")
    try:
        device = device_resync(
            serial=normalise_serial(args.serial),
            code1=args.code[0],
            code2=args.code[1],
            now=_now(),
            actor="cli",
        )
    except DeviceError as exc:
        return _fail(f"cannot resynchronise: {exc.reason}")
    except SeglError:
        return _fail("the two codes do not follow each other; press twice and try again")
    _out(
        args,
        {"serial": device.serial, "counter": device.counter},
        f"{device.serial} is in step again",
    )
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    """Re-encrypt stored seeds under the active key (the first in SEGL_KEYS)."""
    _setup()
    from segl.authenticators.services import devices_rotate_seeds

    rotated = devices_rotate_seeds(actor="cli")
    _out(args, {"rotated": rotated}, f"re-encrypted {rotated} seeds under the active key")
    return 0


def cmd_device_list(args: argparse.Namespace) -> int:
    _setup()
    from segl.authenticators.models import Device

    qs = Device.objects.order_by("serial").values("serial", "kind", "status", "batch")
    if args.status:
        qs = qs.filter(status=args.status)
    rows = list(qs[: args.limit])
    _out(
        args,
        {"devices": rows},
        "\n".join(f"{r['serial']}  {r['kind']:18} {r['status']}" for r in rows) or "none",
    )
    return 0


# -- audit, demo ----------------------------------------------------------------------------------


def cmd_audit(args: argparse.Namespace) -> int:
    _setup()
    from segl.audit import commands

    try:
        return commands.run(args)
    except commands.CommandError as exc:
        return _fail(str(exc))


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete what has served its purpose: ended flows, expired grants and tokens, old
    messages; clear the text of messages whose one-time secret has run out."""
    if args.keep_hours < 1 or args.outbox_days < 1:
        return _fail("--keep-hours and --outbox-days must be at least 1")
    _setup()
    from segl.app.services import app_purge
    from segl.flows.services import flows_purge
    from segl.notify.retention import outbox_purge
    from segl.oidc.services import oidc_purge

    keep = timedelta(hours=args.keep_hours)
    counts = {
        **app_purge(now=_now(), keep=keep),
        **flows_purge(now=_now(), keep=keep),
        **oidc_purge(now=_now(), keep=keep),
        **outbox_purge(now=_now(), keep=timedelta(days=args.outbox_days)),
    }
    _out(args, counts, ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in counts.items()))
    return 0


def cmd_demo_load(args: argparse.Namespace) -> int:
    _setup()
    from segl.demo import DemoOff, load_demo

    try:
        summary = load_demo(now=_now())
    except DemoOff as exc:
        return _fail(str(exc))
    _out(args, summary, summary["text"])
    return 0


# -- the segl app: activation codes (operator), and the app's emulator (citizen) -----------------


def cmd_app_code(args: argparse.Namespace) -> int:
    """Issue an activation code for the app, as an operator does after checking ID."""
    _setup()
    from segl.app.services import activation_code_issue
    from segl.identities.models import Identity

    identity = Identity.objects.filter(user_id__iexact=args.user_id.strip()).first()
    if identity is None:
        return _fail(f"no identity with user ID {args.user_id!r}")
    code = activation_code_issue(identity=identity, now=_now(), issued_by=args.operator or "cli")
    _out(
        args,
        {"user_id": identity.user_id, "activation_code": code},
        f"activation code for {identity.user_id}: {code} (valid 7 days, once)",
    )
    return 0


def cmd_orders_list(args: argparse.Namespace) -> int:
    """Orders waiting for a step (or all), oldest first: what the fulfilment desk works on."""
    _setup()
    from segl.orders.models import Order
    from segl.orders.services import order_summary

    qs = Order.objects.select_related("device").order_by("created_at")
    if args.status:
        qs = qs.filter(status=args.status)
    rows = [order_summary(o) for o in qs[: args.limit]]
    _out(
        args,
        {"orders": rows},
        "\n".join(
            f"{r['reference']}  {r['kind']:18} {r['status']:16} {r['payment']:9} "
            f"{r['delivery']:6} {r['serial'] or ''}"
            for r in rows
        )
        or "no orders",
    )
    return 0


def cmd_orders_advance(args: argparse.Namespace) -> int:
    """Move an order one step: packed (takes a device from stock), shipped, delivered, ready
    for pickup, collected, or cancelled."""
    _setup()
    from segl.orders.services import OrderRefused, order_advance, order_summary

    try:
        order = order_advance(
            reference=args.reference.upper(), to=args.to, now=_now(), actor=args.operator or "cli"
        )
    except OrderRefused as exc:
        return _fail(f"cannot move order {args.reference} to {args.to}: {exc.reason}")
    summary = order_summary(order)
    _out(args, summary, f"{order.reference} is {order.status}")
    return 0


def cmd_orders_paid(args: argparse.Namespace) -> int:
    """Mark an order's invoice paid (the default payment provider)."""
    _setup()
    from segl.orders.services import OrderRefused, order_mark_paid

    try:
        order = order_mark_paid(
            reference=args.reference.upper(), now=_now(), actor=args.operator or "cli"
        )
    except OrderRefused as exc:
        return _fail(f"cannot mark order {args.reference} paid: {exc.reason}")
    _out(args, {"reference": order.reference, "payment": order.payment}, f"{order.reference} paid")
    return 0


def cmd_orders_operator(args: argparse.Namespace) -> int:
    """Let an identity use the fulfilment page, or stop it."""
    _setup()
    from segl.identities.models import Identity
    from segl.orders.models import FulfilmentOperator
    from segl.orders.services import operator_grant, operator_revoke

    if args.action == "list":
        ids = list(
            FulfilmentOperator.objects.select_related("identity")
            .order_by("added_at")
            .values_list("identity__user_id", flat=True)
        )
        _out(args, {"operators": ids}, "\n".join(ids) or "no fulfilment operators")
        return 0
    if not args.user_id:
        return _fail("give --user-id")
    identity = Identity.objects.filter(user_id__iexact=args.user_id.strip()).first()
    if identity is None:
        return _fail(f"no identity with user ID {args.user_id!r}")
    if args.action == "add":
        operator_grant(identity=identity, now=_now(), actor=args.operator or "cli")
        _out(args, {"user_id": identity.user_id}, f"{identity.user_id} may use the fulfilment page")
    else:
        removed = operator_revoke(identity=identity, now=_now(), actor=args.operator or "cli")
        text = "no longer" if removed else "was not"
        _out(args, {"removed": removed}, f"{identity.user_id} {text} a fulfilment operator")
    return 0


def cmd_outbox(args: argparse.Namespace) -> int:
    """The messages segl sent through the default gateways (the demo's phone)."""
    _setup()
    from segl.notify.gateways import deliver_waiting
    from segl.notify.models import OutboxMessage

    if args.deliver:
        delivered, waiting = deliver_waiting(now=_now())
        _out(
            args,
            {"delivered": delivered, "waiting": waiting},
            f"{delivered} delivered, {waiting} still waiting",
        )
        return 0 if waiting == 0 else 1
    qs = OutboxMessage.objects.order_by("-id")
    if args.to:
        qs = qs.filter(to=args.to)
    rows = [
        {
            "to": m.to,
            "channel": m.channel,
            "purpose": m.purpose,
            "text": m.text,
            "at": m.created_at,
            "error": m.error,
        }
        for m in qs[: args.limit]
    ]
    _out(
        args,
        {"messages": rows},
        "\n".join(f"{r['at']:%H:%M:%S} {r['channel']:5} {r['to']}: {r['text']}" for r in rows)
        or "no messages",
    )
    return 0


def _emulator(args: argparse.Namespace) -> Any:
    from segl.app.emulator import AppEmulator

    url = args.url or os.environ.get("SEGL_BASE_URL") or "http://localhost:8000"
    return AppEmulator(url, state=Path(args.state))


def _pin(args: argparse.Namespace, *, confirm: bool = False) -> str:
    if args.pin_file:
        return _read_secret_file(args.pin_file).decode()
    pin = getpass.getpass("PIN code: ")
    if confirm and getpass.getpass("Repeat the PIN code: ") != pin:
        raise SystemExit("segl: the two PIN codes are not the same")
    return pin


def _app_call(action: Callable[[], int]) -> int:
    from segl.app.emulator import AppError

    try:
        return action()
    except AppError as exc:
        return _fail(f"segl refused: {exc.reason}")
    except (OSError, ValueError, RuntimeError) as exc:
        return _fail(str(exc))


def cmd_app_activate(args: argparse.Namespace) -> int:
    """Activate the emulated app: activation code, temporary PIN by SMS, new PIN."""

    def run() -> int:
        app = _emulator(args)
        activation = app.start_activation(args.user_id, args.code)
        temporary = args.temporary_pin or input("Temporary PIN code (sent by SMS): ").strip()
        answer = app.finish_activation(
            activation, user_id=args.user_id, temporary_pin=temporary, pin=_pin(args, confirm=True)
        )
        _out(args, answer, f"the app is activated for {answer['user_id']} ({args.state})")
        return 0

    return _app_call(run)


def cmd_app_approve(args: argparse.Namespace) -> int:
    """Unlock, wait for a login, prove the binding, show the text, and answer."""

    def run() -> int:
        from segl.app.emulator import read_qr_image

        app = _emulator(args)
        app.unlock(args.user_id, _pin(args))
        request = app.pending(args.user_id, wait=args.wait)
        if request is None:
            return _fail(f"no login is waiting for {args.user_id}")
        if args.image:
            shown = app.bind(args.user_id, request["id"], qr=read_qr_image(Path(args.image)))
        elif args.qr:
            shown = app.bind(args.user_id, request["id"], qr=args.qr)
        else:
            shown = app.bind(args.user_id, request["id"], code=args.code)
        decision = "reject" if args.reject else "fraud" if args.not_me else "approve"
        status = app.answer(args.user_id, shown, decision)
        _out(
            args,
            {**shown, "decision": decision, "status": status},
            f"{shown['rp_name']} asks you to {shown['action'].replace('_', ' ')}: "
            f"{shown['text'] or '(no text)'}\n{status}",
        )
        return 0

    return _app_call(run)


def cmd_app_list(args: argparse.Namespace) -> int:
    app = _emulator(args)
    ids = sorted(r.user_id for r in app.registrations.values())
    _out(args, {"user_ids": ids}, "\n".join(ids) or "this app holds no user ID")
    return 0


# -- the parser ----------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segl", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(parent: Any, name: str, handler: Handler, help_: str) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(name, help=help_, description=help_)
        p.set_defaults(handler=handler)
        return p

    def group(name: str, help_: str) -> Any:
        p = sub.add_parser(name, help=help_, description=help_)
        return p.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")

    p = add(sub, "init", cmd_init, "write a file of fresh secrets (development, single node)")
    p.add_argument("--env-file", default="var/segl.env")
    p.add_argument("--env", default="development", choices=["development", "production"])
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.add_argument("--json", action="store_true")

    p = add(sub, "serve", cmd_serve, "serve segl over HTTP (ASGI, uvicorn)")
    p.add_argument("--host", default="localhost")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--workers", type=int, default=1)

    p = add(sub, "migrate", cmd_migrate, "create or update the database tables")
    p.add_argument("--quiet", action="store_true")

    p = add(sub, "check", cmd_check, "check configuration, keys, database")
    p.add_argument("--workers", type=int, default=1, help="as 'segl serve --workers' will run")
    p.add_argument("--json", action="store_true")

    p = add(sub, "manage", cmd_manage, "run a Django management command")
    p.add_argument("rest", nargs=argparse.REMAINDER)

    factory = group("factory", "make emulated devices, as a vendor would")
    p = add(factory, "make", cmd_factory_make, "make a batch of devices and their PSKC file")
    p.add_argument("kind", choices=["code_display", "audio_code_reader"])
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--out", required=True, help="folder for the PSKC file and device files")
    p.add_argument("--passphrase-file", help="PSKC passphrase (default: a new one, saved)")
    p.add_argument("--json", action="store_true")

    tokens = group("tokens", "the device inventory's seeds")
    p = add(tokens, "import", cmd_tokens_import, "import a PSKC (RFC 6030) file")
    p.add_argument("file")
    p.add_argument("--passphrase-file", help="for PBKDF2-encrypted files")
    p.add_argument("--psk-file", help="hex pre-shared key, for PSK-encrypted files")
    p.add_argument(
        "--kind",
        choices=["code_display", "audio_code_reader"],
        help="device kind (default: the PSKC file's device model)",
    )
    p.add_argument("--batch", help="batch name (default: the file name)")
    p.add_argument("--json", action="store_true")

    rp = group("rp", "relying parties")
    p = add(rp, "add", cmd_rp_add, "register a relying party")
    p.add_argument("name")
    p.add_argument("--redirect-uri", action="append", required=True)
    p.add_argument("--client-id")
    p.add_argument("--public", action="store_true", help="a public client (no secret)")
    p.add_argument("--json", action="store_true")
    p = add(rp, "list", cmd_rp_list, "list relying parties")
    p.add_argument("--json", action="store_true")

    identity = group("identity", "people and identities")
    p = add(identity, "create", cmd_identity_create, "create a person and their identity")
    p.add_argument("--cpr", required=True)
    p.add_argument("--given-name", required=True)
    p.add_argument("--family-name", required=True)
    p.add_argument("--address")
    p.add_argument("--passport", action="append")
    p.add_argument("--user-id", required=True)
    p.add_argument("--ial", default="substantial", choices=["low", "substantial", "high"])
    p.add_argument("--json", action="store_true")
    p = add(identity, "show", cmd_identity_show, "show an identity and its authenticators")
    p.add_argument("user_id")
    p.add_argument("--json", action="store_true")

    device = group("device", "code displays and audio code readers")
    p = add(device, "activate", cmd_device_activate, "activate a device for an identity")
    p.add_argument("--user-id", required=True)
    p.add_argument("--serial", required=True, help="the serial number on the back")
    p.add_argument("--code", help="the code shown (asked for when left out)")
    p.add_argument("--password-file", help="the new password (asked for twice when left out)")
    p.add_argument("--operator", help="who checked the person's ID")
    p.add_argument("--json", action="store_true")
    p = add(device, "press", cmd_device_press, "press an emulated device's button")
    p.add_argument("serial")
    p.add_argument("--dir", help="device files folder (default: $SEGL_DEVICE_DIR or var/devices)")
    p.add_argument("--json", action="store_true")
    p = add(device, "resync", cmd_device_resync, "bring an HOTP token back in step")
    p.add_argument("serial")
    p.add_argument(
        "--code", action="append", required=True, help="two consecutive codes: --code C1 --code C2"
    )
    p.add_argument("--json", action="store_true")
    p = add(device, "list", cmd_device_list, "list the inventory")
    p.add_argument("--status")
    p.add_argument("--limit", type=int, default=100)
    p.add_argument("--json", action="store_true")

    keys = group("keys", "key-encryption keys")
    p = add(keys, "rotate", cmd_keys_rotate, "re-encrypt seeds under the active key")
    p.add_argument("--json", action="store_true")

    audit = group("audit", "the audit log")
    audit_arguments(lambda name, help_: add(audit, name, cmd_audit, help_))

    p = add(sub, "purge", cmd_purge, "delete what ended, clear spent secrets (run hourly)")
    p.add_argument("--keep-hours", type=int, default=24, help="keep what ended this recently")
    p.add_argument("--outbox-days", type=int, default=30, help="keep messages this long")
    p.add_argument("--json", action="store_true")

    app = group("app", "the segl app: activation codes, and the app's emulator")
    p = add(app, "code", cmd_app_code, "issue an activation code (operator, after checking ID)")
    p.add_argument("user_id")
    p.add_argument("--operator", help="who checked the person's ID")
    p.add_argument("--json", action="store_true")

    def emulated(p: argparse.ArgumentParser) -> None:
        p.add_argument("--url", help="segl's address (default: $SEGL_BASE_URL)")
        p.add_argument("--state", default="var/app.json", help="the app's key file")
        p.add_argument("--json", action="store_true")

    p = add(app, "activate", cmd_app_activate, "activate the emulated app for a user ID")
    p.add_argument("user_id")
    p.add_argument("--code", required=True, help="the activation code")
    p.add_argument("--temporary-pin", help="from the SMS (asked for when left out)")
    p.add_argument("--pin-file", help="the new PIN code (asked for twice when left out)")
    emulated(p)
    p = add(app, "approve", cmd_app_approve, "answer a waiting login with the emulated app")
    p.add_argument("user_id")
    binding = p.add_mutually_exclusive_group(required=True)
    binding.add_argument("--qr", help="the QR code's text")
    binding.add_argument("--image", help="a picture of the QR code (needs segl[emulator])")
    binding.add_argument("--code", help="the one-time code the browser shows")
    answer = p.add_mutually_exclusive_group(required=True)
    answer.add_argument("--approve", action="store_true")
    answer.add_argument("--reject", action="store_true")
    answer.add_argument("--not-me", action="store_true", help='"I did not start this"')
    p.add_argument("--wait", type=float, default=25, help="seconds to wait for a login")
    p.add_argument("--pin-file", help="the PIN code (asked for when left out)")
    emulated(p)
    p = add(app, "list", cmd_app_list, "the user IDs the emulated app holds")
    emulated(p)

    orders = group("orders", "device orders: the fulfilment desk")
    p = add(orders, "list", cmd_orders_list, "list orders, oldest first")
    p.add_argument("--status", help="only orders with this status, e.g. ordered")
    p.add_argument("--limit", type=int, default=50)
    p.add_argument("--json", action="store_true")
    p = add(orders, "advance", cmd_orders_advance, "move an order one step")
    p.add_argument("reference")
    p.add_argument(
        "to",
        choices=["packed", "shipped", "delivered", "ready_for_pickup", "collected", "cancelled"],
    )
    p.add_argument("--operator", help="who did it")
    p.add_argument("--json", action="store_true")
    p = add(orders, "paid", cmd_orders_paid, "mark an order's invoice paid")
    p.add_argument("reference")
    p.add_argument("--operator", help="who did it")
    p.add_argument("--json", action="store_true")

    p = add(orders, "operator", cmd_orders_operator, "who may use the fulfilment page")
    p.add_argument("action", choices=["add", "remove", "list"])
    p.add_argument("--user-id", help="the operator's segl user ID")
    p.add_argument("--operator", help="who granted it")
    p.add_argument("--json", action="store_true")

    p = add(sub, "outbox", cmd_outbox, "messages sent by SMS, e-mail and push (demo gateways)")
    p.add_argument("--to", help="only to this number or app")
    p.add_argument(
        "--deliver", action="store_true", help="hand messages a gateway refused to it again"
    )
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")

    demo = group("demo", "demo data")
    p = add(demo, "load", cmd_demo_load, "load demo people, devices and Demo Bank")
    p.add_argument("--json", action="store_true")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    return handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
