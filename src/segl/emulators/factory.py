"""The device factory: a batch of emulated devices and the PSKC file a vendor would ship.

``make_batch`` writes, under ``out_dir``::

    devices/<serial>.json       one device file per device (what the device holds)
    <batch-name>.pskc           every seed, PBKDF2-encrypted with the passphrase (RFC 6030 §6.2)

The IdP only ever imports the PSKC file; the emulators only ever read their device file.
Serial numbers continue from the devices already in ``out_dir``, so batches never clash.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from segl.core.otp import Algorithm
from segl.core.pskc import TokenAlgorithm, TokenSeed
from segl.core.pskc_writer import write_pskc
from segl.core.secrets import Secret
from segl.emulators.device_file import (
    MANUFACTURER,
    PREFIXES,
    DeviceFile,
    Kind,
    make_serial,
    serial_number,
)

__all__ = ["BatchResult", "make_batch", "next_number"]

# A seed as long as the hash's output (RFC 2104 §3; the RFC 6238 Appendix B seeds); 160 bits
# for SHA-1 is RFC 4226's recommendation (§4, R6).
_SEED_BYTES: Final[dict[Algorithm, int]] = {"SHA1": 20, "SHA256": 32, "SHA512": 64}


@dataclass(frozen=True)
class BatchResult:
    """What a batch made: its name, its PSKC file, and each device's serial and file."""

    name: str
    pskc_path: Path
    serials: tuple[str, ...]
    device_paths: tuple[Path, ...]


def next_number(kind: Kind, out_dir: Path) -> int:
    """The first unused serial number of ``kind`` among the device files in ``out_dir``."""
    prefix = PREFIXES[kind]
    highest = 0
    devices = out_dir / "devices"
    if devices.is_dir():
        for entry in os.scandir(devices):
            name = entry.name
            if name.startswith(prefix) and name.endswith(".json"):
                try:
                    highest = max(highest, serial_number(name.removesuffix(".json")))
                except ValueError:
                    continue  # not one of ours
    return highest + 1


def make_batch(
    kind: Kind,
    count: int,
    out_dir: Path,
    *,
    passphrase: bytes,
    start: int | None = None,
    algorithm: TokenAlgorithm = "totp",
    digits: int = 6,
    period: int = 30,
    hash_algorithm: Algorithm = "SHA1",
    on_device: Callable[[int], None] | None = None,
) -> BatchResult:
    """Make ``count`` devices of ``kind`` and their PSKC file.

    Serial numbers start at ``start``, or after the highest one of this kind already in
    ``out_dir``. No existing file is ever replaced. ``on_device(n)`` is called after the n-th
    device file is written.
    """
    if kind not in PREFIXES:
        raise ValueError(f"unknown device kind {kind!r}")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise ValueError("a batch has at least one device")
    if algorithm not in ("totp", "hotp"):
        raise ValueError(f"unknown algorithm {algorithm!r}")
    if hash_algorithm not in _SEED_BYTES:
        raise ValueError(f"unknown hash {hash_algorithm!r}")
    out_dir = Path(out_dir)
    first = next_number(kind, out_dir) if start is None else start
    serials = tuple(make_serial(kind, n) for n in range(first, first + count))

    devices_dir = out_dir / "devices"
    devices_dir.mkdir(parents=True, exist_ok=True)
    name = f"{kind}-{serials[0]}-{serials[-1]}"
    pskc_path = out_dir / f"{name}.pskc"
    device_paths = tuple(devices_dir / f"{serial}.json" for serial in serials)
    taken = [path for path in (pskc_path, *device_paths) if path.exists()]
    if taken:
        raise FileExistsError(f"{taken[0]} already exists; serial numbers must not clash")

    seeds = [
        TokenSeed(
            serial=serial,
            algorithm=algorithm,
            secret=Secret(secrets.token_bytes(_SEED_BYTES[hash_algorithm])),
            digits=digits,
            hash_algorithm=hash_algorithm,
            period=period if algorithm == "totp" else None,
            t0=0,
            counter=0,
            manufacturer=MANUFACTURER,
            model=kind,
        )
        for serial in serials
    ]
    # The PSKC file is built first: it checks every seed before any device exists.
    document = write_pskc(seeds, passphrase=passphrase)
    for done, (seed, path) in enumerate(zip(seeds, device_paths, strict=True), start=1):
        DeviceFile.from_seed(seed, kind).dump(path, exclusive=True)
        if on_device is not None:
            on_device(done)
    fd = os.open(pskc_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(document)
    return BatchResult(name=name, pskc_path=pskc_path, serials=serials, device_paths=device_paths)
