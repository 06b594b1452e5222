"""``segl demo load``: the demo's people, devices and Demo Bank (only where the demo is on)."""

from __future__ import annotations

import argparse

from .base import Commands, command, fail, group, json_flag, now, out


def register(commands: Commands) -> None:
    demo = group(commands, "demo", "demo data")
    p = command(demo, "load", cmd_load, "load demo people, devices and Demo Bank")
    json_flag(p)


def cmd_load(args: argparse.Namespace) -> int:
    from segl.demo import DemoOff, load_demo

    try:
        summary = load_demo(now=now())
    except DemoOff as exc:
        return fail(f"{exc}.")
    out(args, summary, summary["text"])
    return 0
