"""What the ``segl`` command needs of the audit log before Django is set up.

The audit settings ``segl init`` writes (fresh keys for a development or single-node setup),
and the arguments of ``segl audit``. What the commands do is in :mod:`segl.audit.commands`.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
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


def audit_arguments(add: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """The ``segl audit`` subcommands; ``add(name, help)`` makes each one's parser."""
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
