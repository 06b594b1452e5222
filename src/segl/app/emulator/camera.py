"""The app's camera, in the emulator: the QR code in a picture."""

from __future__ import annotations

import importlib.util
from pathlib import Path

READER = ("zxingcpp", "PIL")  # the ``emulator`` extra: zxing-cpp and Pillow


def picture_reader_installed() -> bool:
    """Whether pictures can be read here, asked before anything else is done."""
    return all(importlib.util.find_spec(name) is not None for name in READER)


def read_qr_image(path: Path) -> str:
    """The text of the QR code in a picture (a photo or screenshot), as the app's camera reads
    it. Needs the ``emulator`` extra (zxing-cpp and Pillow)."""
    try:
        import zxingcpp
        from PIL import Image
    except ImportError as exc:
        raise RuntimeError("reading pictures needs the checkout's emulator extra") from exc
    with Image.open(path) as image:
        found = zxingcpp.read_barcodes(image.convert("RGB"))
    codes = [code.text for code in found if code.text]
    if not codes:
        raise ValueError(f"no QR code found in {path}")
    return str(codes[0])
