"""The layers of the source hold (decision 23): an import goes only downwards, or sideways in a
layer without making a cycle; nothing outside a kind's folder imports that kind's models; the
product never imports the demo. Read from the code itself, every import (a late one inside a
function included), so the rule keeps holding as the code grows."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"

# Bottom up. A new top-level package must be given its place here.
LAYERS: dict[str, int] = {
    # 1: pure core, configuration and the shell's plumbing
    **dict.fromkeys(
        (
            "core",
            "config",
            "envvalues",
            "clock",
            "http",
            "keys",
            "keysource",
            "database",
            "startup",
            "settings",
            "sqlite",
            "logs",
            "metrics",
            "checks",
            "trustfolder",
            "limits",
            "prepared",
            "noticesettings",
        ),
        1,
    ),
    # 2: the register and the records
    **dict.fromkeys(("identities", "audit", "notify"), 2),
    # 3: the authenticator contract and device inventory, and each kind in its own folder
    # (and the waiting rule for weakening changes, on an authenticator of any kind)
    **dict.fromkeys(("authenticators", "app", "codedevice", "chip", "changes"), 3),
    # 4: journeys
    **dict.fromkeys(("flows", "oidc", "orders", "proofing", "centres"), 4),
    # 5: faces, and the demo things on top of them
    **dict.fromkeys(("portal", "desk", "web", "cli", "emulators", "demo", "demo_rp"), 5),
    # 6: what Django starts from
    **dict.fromkeys(("urls", "asgi", "wsgi", "serving"), 6),
}
DEMO = {"demo", "demo_rp"}
WAITING: set[str] = set()  # imports that break a rule and are being removed (none now)


def _imports() -> list[tuple[str, str, str]]:
    """(importing module, its top-level package, imported module) for every import of segl."""
    found = []
    for path in sorted((SRC / "segl").rglob("*.py")):
        if "migrations" in path.parts:
            continue
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        package = parts[:-1]  # what "from . import" means, in a package's __init__ too
        module = ".".join(parts if parts[-1] != "__init__" else parts[:-1])
        top = parts[1] if len(parts) > 1 else parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - node.level + 1]
                    target = ".".join(base + ([node.module] if node.module else []))
                else:
                    target = node.module or ""
                # "from segl.app import models" imports segl.app.models too.
                names = [target] + [f"{target}.{alias.name}" for alias in node.names]
            for name in names:
                if name.startswith("segl.") and name.split(".")[1] != top:
                    found.append((module, top, name))
    return found


IMPORTS = _imports()


def _top(name: str) -> str:
    return name.split(".")[1]


def test_every_package_has_a_layer():
    packages = {top for _, top, _ in IMPORTS} | {_top(name) for _, _, name in IMPORTS}
    assert packages - {"__init__"} <= set(LAYERS), sorted(packages - set(LAYERS))


def test_no_import_goes_up_a_layer():
    upward = sorted(
        f"{module} imports {name}"
        for module, top, name in IMPORTS
        if LAYERS.get(_top(name), 0) > LAYERS.get(top, 99)
    )
    assert upward == []


def test_no_two_packages_import_each_other():
    edges: dict[str, set[str]] = defaultdict(set)
    for _, top, name in IMPORTS:
        edges[top].add(_top(name))

    def reaches(start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            here = todo.pop()
            if here == goal:
                return True
            if here not in seen:
                seen.add(here)
                todo.extend(edges.get(here, ()))
        return False

    cycles = sorted(f"{a} <-> {b}" for a in edges for b in edges[a] if a < b and reaches(b, a))
    assert cycles == []


@pytest.mark.django_db
def test_no_module_outside_a_kind_imports_its_models():
    from segl.authenticators.registry import KINDS

    folders = {type(kind).__module__.split(".")[1] for kind in KINDS.values()}
    assert {"app", "codedevice"} <= folders
    reaching = sorted(
        f"{module} imports {name}"
        for module, top, name in IMPORTS
        for folder in folders
        if top != folder
        and (name == f"segl.{folder}.models" or name.startswith(f"segl.{folder}.models."))
    )
    assert sorted(set(reaching) - WAITING) == []


def test_the_product_never_imports_the_demo():
    product = {top for top in LAYERS if top not in DEMO | {"cli", "urls", "emulators"}}
    reaching = sorted(
        f"{module} imports {name}"
        for module, top, name in IMPORTS
        if top in product and _top(name) in DEMO
    )
    assert sorted(set(reaching) - WAITING) == []


def test_what_waits_to_be_removed_is_still_there():
    present = {f"{module} imports {name}" for module, _, name in IMPORTS}
    assert sorted(WAITING - present) == [], "gone: delete these lines from WAITING"
