"""What the ``segl`` command needs of the audit log before Django is set up.

The audit settings ``segl init`` writes (fresh keys for a development or single-node setup),
and ``segl audit``'s commands, registered as every area of the command registers its own
(:mod:`segl.cli.main`). What the commands do is in :mod:`segl.audit.commands`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path


def audit_init_settings(folder: Path, existing: Mapping[str, str]) -> dict[str, str]:
    """The audit settings ``existing`` lacks, with fresh keys; writes the signing key file."""
    from segl.core.checkpoints import generate_signing_key_pem
    from segl.core.secrets import format_key, generate_key

    added: dict[str, str] = {}
    if not existing.get("SEGL_AUDIT_KEYS"):
        added["SEGL_AUDIT_KEYS"] = format_key(f"a{datetime.now(UTC):%Y%m%d}", generate_key())
    if not existing.get("SEGL_AUDIT_SIGNING_KEY") and not existing.get(
        "SEGL_AUDIT_SIGNING_KEY_FILE"
    ):
        key_file = folder / "audit-signing-key.pem"
        if not key_file.exists():
            key_file.touch(mode=0o600)
            key_file.write_bytes(generate_signing_key_pem())
        added["SEGL_AUDIT_SIGNING_KEY_FILE"] = str(key_file.resolve())
    if not existing.get("SEGL_AUDIT_CHECKPOINT_FILE"):
        added["SEGL_AUDIT_CHECKPOINT_FILE"] = str((folder / "audit-checkpoints.jsonl").resolve())
    return added


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """``segl audit SUBCOMMAND``: each parser sets ``handler`` and ``django`` (it needs the
    database), as the command line's own areas do."""
    help_ = "the audit log"
    audit = commands.add_parser("audit", help=help_, description=help_)
    sub = audit.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")

    def add(name: str, help_: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(name, help=help_, description=help_)
        parser.set_defaults(handler=run, django=True)
        return parser

    p = add("verify", "check the chains, and against signed checkpoints")
    p.add_argument("--checkpoints", help="checkpoint file, '-' for stdin (default: configured)")
    p.add_argument(
        "--public-key", action="append", default=[], help="a checkpoint key's public key (PEM)"
    )
    p.add_argument("--json", action="store_true")
    p = add("checkpoint", "sign the chains' heads and append them (run it from cron)")
    p.add_argument("--file", help="append here instead of SEGL_AUDIT_CHECKPOINT_FILE")
    p.add_argument("--json", action="store_true")
    add("public-key", "print the checkpoint signing key's public key, for auditors")


def run(args: argparse.Namespace) -> int:
    """Run a ``segl audit`` command once Django is set up; a refusal is printed, status 2."""
    from .commands import CommandError
    from .commands import run as run_command

    try:
        return run_command(args)
    except CommandError as exc:
        print(f"segl: {exc}", file=sys.stderr)
        return 2
