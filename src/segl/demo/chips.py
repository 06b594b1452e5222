"""The demo's chips: a small stock from the chip factory, and an allow-list (decision 37) that
accepts the factory's model and Chromium's virtual authenticator, so that the chip can be tried
in a browser's developer tools (WebAuthn panel) without a security key. A production allow-list
holds neither; the demo never runs in production."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings

from segl.chip.inventory import chips_import_file
from segl.chip.trust import VIRTUAL_AUTHENTICATOR_AAGUID
from segl.emulators.chip_factory import make_chip_batch

# Chromium's virtual authenticator attests with a self-signed "Batch Certificate" it makes
# afresh, always over the same test key: a copy of one is the root of every other.
CHROMIUM_AAGUID = VIRTUAL_AUTHENTICATOR_AAGUID
CHROMIUM_ROOT = Path(__file__).with_name("chromium-virtual-authenticator.pem")
FACTORY_ROOT = "segl-factory-root.pem"


def factory_dir() -> Path:
    """Where the demo's chip factory keeps its CA, chip files and batch files."""
    return Path(settings.CONFIG.data_dir) / "chips"


def stock_chips(count: int) -> None:
    """``count`` new chips in stock, their model accepted."""
    batch = make_chip_batch(count, factory_dir())
    chips_import_file(path=batch.batch_file, actor="demo")
    accept_model(str(batch.aaguid), "segl factory chip (demo)", batch.root, FACTORY_ROOT)
    accept_model(
        CHROMIUM_AAGUID, "Chromium virtual authenticator (demo)", CHROMIUM_ROOT, CHROMIUM_ROOT.name
    )


def accept_model(aaguid: str, name: str, root: Path, root_name: str) -> None:
    """Add a model to the demo's allow-list; a list the demo did not write is left alone."""
    folder = settings.CONFIG.chip_models
    if folder is None:
        return
    listing = folder / "models.json"
    config: dict[str, Any] = {"demo": True, "models": []}
    if listing.exists():
        config = json.loads(listing.read_text(encoding="utf-8"))
        if not config.get("demo"):
            return
    if any(model["aaguid"] == aaguid for model in config["models"]):
        return
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(root, folder / root_name)
    config["models"].append({"aaguid": aaguid, "name": name, "roots": [root_name]})
    temporary = listing.with_name(".models.json.new")
    temporary.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    temporary.replace(listing)
