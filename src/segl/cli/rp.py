"""``segl rp``: relying parties (OpenID Connect clients)."""

from __future__ import annotations

import argparse

from .base import Commands, command, group, json_flag, out, refuse


def register(commands: Commands) -> None:
    rp = group(commands, "rp", "relying parties")
    p = command(rp, "add", cmd_add, "register a relying party")
    p.add_argument("name")
    p.add_argument("--redirect-uri", action="append", required=True)
    p.add_argument("--client-id")
    p.add_argument("--public", action="store_true", help="a public client (no secret)")
    json_flag(p)
    p = command(rp, "list", cmd_list, "list relying parties")
    json_flag(p)


def cmd_add(args: argparse.Namespace) -> int:
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
        detail = str(exc)
        return refuse("rp:invalid", detail=detail[:1].upper() + detail[1:])
    data = {
        "name": app.name,
        "client_id": app.client_id,
        "client_secret": secret,
        "redirect_uris": app.redirect_uris.split(),
    }
    out(
        args,
        data,
        f"registered {app.name}\n  client_id:     {app.client_id}\n"
        f"  client_secret: {secret or '(public client)'}   (shown once; keep it safe)",
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from segl.oidc.selectors import rps_list

    rows = rps_list()
    out(
        args, {"rps": rows}, "\n".join(f"{r['client_id']:40} {r['name']}" for r in rows) or "no RPs"
    )
    return 0
