"""The demo's chips: serials in stock of the model Chromium's virtual authenticator is, and an
allow-list (decision 37) that accepts that model, so the chip can be tried in a browser's
developer tools (WebAuthn panel: the virtual authenticator is the chip) without a security key.
A production allow-list must not accept it (``segl check``, segl.E006); the demo never runs in
production. The chip factory's own chips are for the command line and the tests."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from django.conf import settings

from segl.authenticators.models import Device
from segl.chip.inventory import chips_import
from segl.chip.trust import VIRTUAL_AUTHENTICATOR_AAGUID
from segl.emulators.chip_factory import chip_serial

# Chromium's virtual authenticator attests with a self-signed "Batch Certificate" it makes
# afresh, always over the same test key: a copy of one is the root of every other.
CHROMIUM_AAGUID = VIRTUAL_AUTHENTICATOR_AAGUID
CHROMIUM_ROOT = Path(__file__).with_name("chromium-virtual-authenticator.pem")
# The demo's chips are numbered from here, apart from the factory's.
FIRST = 8_000_001


def stock_chips(count: int) -> None:
    """``count`` new chips in stock, of the model the allow-list is made to accept."""
    taken = set(Device.objects.filter(kind="chip").values_list("serial", flat=True))
    serials: list[str] = []
    n = FIRST
    while len(serials) < count:
        if chip_serial(n) not in taken:
            serials.append(chip_serial(n))
        n += 1
    chips_import(serials_=serials, aaguid=CHROMIUM_AAGUID, batch="demo-browser-chips", actor="demo")
    accept_model(CHROMIUM_AAGUID, "Chromium virtual authenticator (demo)", CHROMIUM_ROOT)


def accept_model(aaguid: str, name: str, root: Path) -> None:
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
    shutil.copyfile(root, folder / root.name)
    config["models"].append({"aaguid": aaguid, "name": name, "roots": [root.name]})
    temporary = listing.with_name(".models.json.new")
    temporary.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    temporary.replace(listing)
