"""What every area of the ``segl`` command shares: output, refusals, secrets read from files,
and the helpers an area registers its commands with."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeAlias

from segl import clock

from .refusals import sentence

Handler: TypeAlias = Callable[[argparse.Namespace], int]
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def setup_django() -> None:
    """Configure Django from the environment; a bad setting stops the command with its name."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segl.settings")
    import django

    from segl.config import ConfigError

    try:
        django.setup()
    except ConfigError as exc:
        raise SystemExit(f"segl: configuration: {exc}") from None


def now() -> datetime:
    return clock.now()


def out(args: argparse.Namespace, data: dict[str, Any], text: str) -> None:
    """Print ``text``, or ``data`` as JSON with ``--json``."""
    if getattr(args, "json", False):
        print(json.dumps(data, indent=2, default=str, ensure_ascii=False))
    else:
        print(text)


def fail(message: str) -> int:
    """Print a refusal (a whole sentence) on stderr; 2 is the exit status of a refusal."""
    print(f"segl: {message}", file=sys.stderr)
    return 2


def refuse(key: str, *, then: str = "", **details: object) -> int:
    """Print the sentence for ``area:code`` (see :mod:`segl.cli.refusals`)."""
    return fail(sentence(key, then=then, **details))


def read_secret_file(path: str) -> bytes:
    try:
        return Path(path).read_bytes().rstrip(b"\r\n")
    except OSError as exc:
        raise SystemExit(
            "segl: " + sentence("file:unreadable", path=path, detail=exc.strerror)
        ) from None


def command(
    commands: Commands, name: str, handler: Handler, help_: str, *, django: bool = True
) -> argparse.ArgumentParser:
    """A command's parser; ``django`` when it needs the database (Django is set up first)."""
    parser = commands.add_parser(name, help=help_, description=help_)
    parser.set_defaults(handler=handler, django=django)
    return parser


def group(commands: Commands, name: str, help_: str) -> Commands:
    """A command with sub-commands (``segl NAME SUBCOMMAND``)."""
    parser = commands.add_parser(name, help=help_, description=help_)
    return parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")


def json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON, for scripts")


def outbox_days(args: argparse.Namespace) -> int:
    """How long sent and dead messages are kept: ``--outbox-days``, else ``SEGL_OUTBOX_DAYS``."""
    from django.conf import settings

    days: int = args.outbox_days or settings.CONFIG.notices.outbox_days
    return days
