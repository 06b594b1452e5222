"""Benchmark: a vendor batch of N devices, from factory to inventory.

Run with ``.venv/bin/python bench/bench_import.py --count 100000``. Times the factory (device
files and the encrypted PSKC file), reading the PSKC file, and the import into a fresh SQLite
database (or DATABASE_URL), which encrypts every seed at rest.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("SEGL_ENV", "test")
os.environ.setdefault("SEGL_DATA_DIR", str(ROOT / "var" / "bench-import"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segl.settings")

from bench.database import fresh_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    args = parser.parse_args()
    fresh_database()

    from segl.authenticators.models import Device
    from segl.authenticators.services import device_import
    from segl.core.pskc import parse_pskc
    from segl.emulators.factory import make_batch

    with tempfile.TemporaryDirectory() as tmp:
        passphrase = b"benchmark passphrase"
        t0 = time.perf_counter()
        batch = make_batch("code_display", args.count, Path(tmp), passphrase=passphrase)
        t1 = time.perf_counter()
        seeds = parse_pskc(batch.pskc_path.read_bytes(), passphrase=passphrase)
        t2 = time.perf_counter()
        device_import(seeds=seeds, kind_of=lambda s: "code_display", batch=batch.name)
        t3 = time.perf_counter()
        size = batch.pskc_path.stat().st_size
    assert Device.objects.count() == args.count
    print(f"{args.count} devices, PSKC file {size / 1e6:.0f} MB")
    print(f"  factory (device files + PSKC):  {t1 - t0:6.1f} s")
    print(f"  read PSKC (MAC, decrypt):       {t2 - t1:6.1f} s  ({args.count / (t2 - t1):,.0f}/s)")
    print(f"  import (encrypt at rest, save): {t3 - t2:6.1f} s  ({args.count / (t3 - t2):,.0f}/s)")


if __name__ == "__main__":
    main()
