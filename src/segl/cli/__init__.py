"""The ``segl`` command, for those who run the system.

Each area (server, identities, devices, the app, orders, …) is a module here with
``register(commands)``; :mod:`segl.cli.main` lists them. Commands read through selectors and
write through services; they never query the database themselves.
"""

from .main import build_parser, main

__all__ = ["build_parser", "main"]
