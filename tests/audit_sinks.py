"""Plug-in checkpoint sinks for the tests, as an object store under object lock would be."""

from __future__ import annotations


class ListSink:
    lines: list[str] = []

    def append(self, line: str) -> None:
        ListSink.lines.append(line)


class BrokenSink:
    def append(self, line: str) -> None:
        raise OSError("bucket unreachable")
