"""Words shared by segl's pages: the start of a sentence, where "segl" stays in lower case."""

from __future__ import annotations


def first_up(text: str) -> str:
    """``capfirst`` for the start of a sentence or a cell, leaving "segl" in lower case (the
    name is written so everywhere: "segl-appen", "segl app")."""
    text = str(text)
    return text if text.startswith("segl") else text[:1].upper() + text[1:]
