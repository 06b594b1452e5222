"""The factory's batches of chips, as a vendor ships them. ``make_chip_batch`` writes, under
``out_dir``::

    chip-factory/root.pem, root.key   the factory CA (made once, kept for later batches)
    chips/<serial>.json               each chip's file (segl-chip/1)
    <batch>.chips.json                the batch file: {"format": "segl-chip-batch/1",
                                      "batch": ..., "aaguid": ..., "serials": [...]}

The batch file is what the IdP imports (``segl.chip.inventory.chips_import_file``); the root is
what an operator puts in the allow-list (decision 37), with the batch's AAGUID. Serials are
``CH``, nine digits and a Luhn check digit, continuing from the chips already in ``out_dir``.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from .device_file import numbered_serial
from .fido_chip import FactoryCa, pem_key

BATCH_FORMAT = "segl-chip-batch/1"
_SERIAL = re.compile(r"CH([0-9]{9})[0-9]\.json")


@dataclass(frozen=True)
class ChipBatch:
    name: str
    aaguid: uuid.UUID
    serials: tuple[str, ...]
    batch_file: Path
    root: Path


def chip_serial(n: int) -> str:
    return numbered_serial("CH", n)


def factory_ca(out_dir: Path) -> FactoryCa:
    """The factory CA kept in ``out_dir/chip-factory``, made on first use."""
    folder = out_dir / "chip-factory"
    cert_path, key_path = folder / "root.pem", folder / "root.key"
    if cert_path.is_file() and key_path.is_file():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise ValueError(f"{key_path} is not the factory's P-256 key")
        return FactoryCa(
            key=key, certificate=x509.load_pem_x509_certificate(cert_path.read_bytes())
        )
    folder.mkdir(parents=True, exist_ok=True)
    ca = FactoryCa.create()
    key_path.touch(mode=0o600)
    key_path.write_text(pem_key(ca.key))
    cert_path.write_bytes(ca.pem())
    return ca


def make_chip_batch(count: int, out_dir: Path, *, pin: bool = True) -> ChipBatch:
    """``count`` new chips of one new model (a fresh AAGUID) under the factory CA."""
    if not 1 <= count <= 100_000:
        raise ValueError("a batch holds 1 to 100000 chips")
    ca = factory_ca(out_dir)
    aaguid = uuid.uuid4()
    batch = ca.batch(aaguid.bytes)
    chips_dir = out_dir / "chips"
    chips_dir.mkdir(parents=True, exist_ok=True)
    taken = [int(m.group(1)) for p in chips_dir.iterdir() if (m := _SERIAL.fullmatch(p.name))]
    first = max(taken, default=0) + 1
    serials = tuple(chip_serial(n) for n in range(first, first + count))
    for serial in serials:
        batch.chip(serial, pin=pin).dump(chips_dir / f"{serial}.json")
    name = f"chips-{serials[0]}-{serials[-1]}"
    batch_file = out_dir / f"{name}.chips.json"
    batch_file.write_text(
        json.dumps(
            {"format": BATCH_FORMAT, "batch": name, "aaguid": str(aaguid), "serials": serials},
            indent=2,
        )
        + "\n"
    )
    return ChipBatch(
        name=name,
        aaguid=aaguid,
        serials=serials,
        batch_file=batch_file,
        root=out_dir / "chip-factory" / "root.pem",
    )
