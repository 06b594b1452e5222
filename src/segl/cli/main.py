"""``segl``: the areas, each registering its own commands, and the entry point."""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from importlib.metadata import PackageNotFoundError, version

from .base import Handler, setup_django

# Each module has ``register(commands)``, adding its commands to ``segl``'s sub-parsers; a
# command's parser sets ``handler`` (arguments -> exit status) and ``django`` (needs the
# database). The audit log registers its own commands, from below the command line.
AREAS = (
    "segl.cli.server",
    "segl.cli.identity",
    "segl.cli.tokens",
    "segl.cli.devices",
    "segl.cli.rp",
    "segl.cli.app",
    "segl.cli.orders",
    "segl.cli.staff",
    "segl.cli.documents",
    "segl.cli.outbox",
    "segl.cli.worker",
    "segl.audit.cli_setup",
    "segl.cli.purge",
    "segl.cli.demo",
)


def installed_version() -> str:
    try:
        return version("segl")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segl",
        description="The segl command, for those who run the system. Every command has --help;"
        " commands a script would read take --json.",
    )
    parser.add_argument("--version", action="version", version=f"segl {installed_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for area in AREAS:
        importlib.import_module(area).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.django:
        setup_django()
    handler: Handler = args.handler
    return handler(args)
