"""``segl staff``, ``segl appointments``, ``segl stock``: the citizen service centres' staff
roles (the first supervisor of a centre; after that, supervisors grant roles at the desk), the
reminders of appointments, and devices delivered to a centre."""

from __future__ import annotations

import argparse
from typing import Any

from .base import Commands, command, group, json_flag, now, out, refuse


def register(commands: Commands) -> None:
    staff = group(commands, "staff", "staff roles at the citizen service centres")
    for name, handler, help_ in (
        ("grant", cmd_grant, "give an identity a role at a centre"),
        ("revoke", cmd_revoke, "take a role at a centre away"),
    ):
        p = command(staff, name, handler, help_)
        p.add_argument("user_id")
        p.add_argument("--centre", required=True, help="the centre's id, e.g. kbh-vesterbro")
        p.add_argument("--role", required=True, choices=["operator", "supervisor", "fulfilment"])
        p.add_argument("--by", help="who did it (for the audit log)")
        json_flag(p)
    p = command(staff, "list", cmd_list, "who holds which role")
    p.add_argument("--centre", help="only this centre")
    json_flag(p)
    p = command(staff, "centres", cmd_centres, "the centres and their ids")
    json_flag(p)

    appointments = group(commands, "appointments", "appointments at the citizen service centres")
    p = command(
        appointments,
        "remind",
        cmd_remind,
        "send the reminder of every appointment in the next 24 hours (run it every few minutes)",
    )
    json_flag(p)
    stock = group(commands, "stock", "devices at the citizen service centres")
    p = command(
        stock, "deliver", cmd_deliver, "move devices from the central inventory to a centre"
    )
    p.add_argument("--centre", required=True)
    p.add_argument("--kind", required=True, choices=["code_display", "audio_code_reader", "chip"])
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--by", help="who did it (for the audit log)")
    json_flag(p)


def _identity(user_id: str) -> Any:
    from segl.identities.selectors import identity_by_user_id

    return identity_by_user_id(user_id)


def cmd_grant(args: argparse.Namespace) -> int:
    from segl.centres.staff import StaffRefused, staff_grant

    identity = _identity(args.user_id)
    if identity is None:
        return refuse("identity:unknown", user_id=args.user_id)
    try:
        staff_grant(
            identity=identity,
            centre=args.centre,
            role=args.role,
            now=now(),
            actor=args.by or "cli",
        )
    except StaffRefused as exc:
        return refuse(f"staff:{exc.reason}", then="Nothing was changed.")
    text = f"{identity.user_id} is {args.role} at {args.centre}"
    out(args, {"user_id": identity.user_id, "centre": args.centre, "role": args.role}, text)
    return 0


def cmd_revoke(args: argparse.Namespace) -> int:
    from segl.centres.staff import staff_revoke

    identity = _identity(args.user_id)
    if identity is None:
        return refuse("identity:unknown", user_id=args.user_id)
    removed = staff_revoke(
        identity=identity, centre=args.centre, role=args.role, now=now(), actor=args.by or "cli"
    )
    text = "is no longer" if removed else "was not"
    out(args, {"removed": removed}, f"{identity.user_id} {text} {args.role} at {args.centre}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from segl.centres.staff import staff_list

    found = [
        {"user_id": r.identity.user_id, "centre": r.centre, "role": r.role, "by": r.granted_by}
        for r in staff_list(args.centre or "")
    ]
    text = "\n".join(f"{r['centre']:16} {r['role']:11} {r['user_id']}" for r in found)
    out(args, {"staff": found}, text or "no staff")
    return 0


def cmd_centres(args: argparse.Namespace) -> int:
    from segl.centres.registry import centres

    found = [{"id": c.id, "name": c.name, "desks": c.desks} for c in centres().values()]
    out(args, {"centres": found}, "\n".join(f"{c['id']:16} {c['name']}" for c in found))
    return 0


def cmd_remind(args: argparse.Namespace) -> int:
    from segl.centres.appointments import appointments_remind

    sent = appointments_remind(now=now())
    out(args, {"reminded": sent}, f"{sent} reminders sent")
    return 0


def cmd_deliver(args: argparse.Namespace) -> int:
    from segl.centres.staff import StaffRefused
    from segl.centres.stock import stock_deliver

    try:
        serials = stock_deliver(
            centre=args.centre, kind=args.kind, count=args.count, now=now(), actor=args.by or "cli"
        )
    except StaffRefused as exc:
        return refuse(f"staff:{exc.reason}", then="Nothing was moved.")
    out(args, {"serials": serials}, f"{len(serials)} delivered to {args.centre}")
    return 0
