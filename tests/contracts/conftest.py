"""The contract's chips are the factory's: its model is in the allow-list for every test here."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .harnesses import CHIP_AAGUID, chip_factory


@pytest.fixture(autouse=True)
def chip_models(config: Any, tmp_path: Path) -> Path:
    folder = tmp_path / "chip-models"
    folder.mkdir()
    (folder / "root.pem").write_bytes(chip_factory().pem())
    model = {"aaguid": str(CHIP_AAGUID), "name": "contract chip", "roots": ["root.pem"]}
    (folder / "models.json").write_text(json.dumps({"models": [model]}))
    config(chip_models=folder)
    return folder
