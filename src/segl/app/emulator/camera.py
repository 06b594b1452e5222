"""The app's camera, in the emulator: the QR code in a picture."""

from __future__ import annotations

from pathlib import Path


def read_qr_image(path: Path) -> str:
    """The text of the QR code in a picture (a photo or screenshot), as the app's camera reads
    it. Needs the ``emulator`` extra (zxing-cpp and Pillow)."""
    try:
        import zxingcpp
        from PIL import Image
    except ImportError as exc:
        raise RuntimeError("reading pictures needs: pip install 'segl[emulator]'") from exc
    with Image.open(path) as image:
        found = zxingcpp.read_barcodes(image.convert("RGB"))
    codes = [code.text for code in found if code.text]
    if not codes:
        raise ValueError(f"no QR code found in {path}")
    return str(codes[0])
