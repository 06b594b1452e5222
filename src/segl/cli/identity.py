"""``segl identity``: people and identities (create, show, phone)."""

from __future__ import annotations

import argparse
import json

from .base import Commands, command, group, json_flag, now, out, refuse


def register(commands: Commands) -> None:
    identity = group(commands, "identity", "people and identities")
    p = command(identity, "create", cmd_create, "create a person and their identity")
    p.add_argument("--cpr", required=True)
    p.add_argument("--given-name", required=True)
    p.add_argument("--family-name", required=True)
    p.add_argument("--address")
    p.add_argument("--passport", action="append")
    p.add_argument("--phone", help="mobile number, for the app's temporary PIN code and notices")
    p.add_argument("--email")
    p.add_argument("--user-id", required=True)
    p.add_argument("--ial", default="substantial", choices=["low", "substantial", "high"])
    json_flag(p)

    p = command(identity, "show", cmd_show, "show an identity and its authenticators")
    p.add_argument("user_id")
    json_flag(p)

    p = command(identity, "phone", cmd_phone, "set or change an identity's mobile number")
    p.add_argument("user_id")
    p.add_argument("number", help="in international form, e.g. +4512345678")
    p.add_argument("--operator", help="who checked the person's ID")
    json_flag(p)


def cmd_create(args: argparse.Namespace) -> int:
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
                phone=args.phone or "",
                email=args.email or "",
                actor="cli",
            )
            identity = identity_create(
                person=person, user_id=args.user_id, ial=args.ial, actor="cli", now=now()
            )
    except CprError:
        return refuse("identity:cpr_invalid", then="Nothing was created.")
    except IdentityError as exc:
        return refuse(f"identity:{exc.reason}", then="Nothing was created.")
    out(
        args,
        {"id": str(identity.id), "user_id": identity.user_id, "ial": identity.ial},
        f"created identity {identity.user_id} ({identity.id})",
    )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from segl.authenticators.selectors import authenticators_of
    from segl.core.cpr import mask_cpr
    from segl.identities.selectors import identity_by_user_id

    identity = identity_by_user_id(args.user_id)
    if identity is None:
        return refuse("identity:unknown", user_id=args.user_id)
    data = {
        "id": str(identity.id),
        "user_id": identity.user_id,
        "status": identity.status,
        "ial": identity.ial,
        "person": mask_cpr(identity.person.cpr),
        "phone": bool(identity.person.phone),
        "preferred_method": identity.preferred_method,
        "authenticators": [
            {"kind": a.kind, "status": a.status, "serial": a.device.serial if a.device else None}
            for a in authenticators_of(identity)
        ],
    }
    out(args, data, json.dumps(data, indent=2))
    return 0


def cmd_phone(args: argparse.Namespace) -> int:
    from segl.identities.selectors import identity_by_user_id
    from segl.identities.services import IdentityError, identity_phone_set

    identity = identity_by_user_id(args.user_id)
    if identity is None:
        return refuse("identity:unknown", user_id=args.user_id)
    try:
        number = identity_phone_set(
            identity=identity, phone=args.number, now=now(), actor=args.operator or "cli"
        )
    except IdentityError as exc:
        return refuse(f"identity:{exc.reason}")
    out(
        args,
        {"user_id": identity.user_id, "phone": number},
        f"{identity.user_id}'s mobile number is {number}",
    )
    return 0
