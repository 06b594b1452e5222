"""Synthetic faces for emulated passports and the emulated face scan (Pillow).

A face is drawn from a seed (its holder's name): the shape of the head, skin, hair, eyes and
mouth all follow from it, so the same seed gives the same person. :func:`portrait` is the
passport photo (even light, plain background, as ICAO asks); :func:`capture` is what a phone's
camera sees of that person at a proofing: another background, light and position. No real
person's face is in segl.

:func:`difference` is the demo's face comparison: both pictures reduced to a grid of colours,
the capture's light evened out, compared over the person at the best of a few small shifts. It
tells these drawn faces apart and nothing more; a real scheme uses a vendor's verifier (see
:mod:`segl.proofing.faces`).
"""

from __future__ import annotations

import hashlib
import io
import itertools
from random import Random

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageOps

from segl.proofing.faces import FaceResult

WIDTH, HEIGHT = 240, 320
_GRID = (60, 80)  # where faces are compared: one cell for 4 by 4 pixels
_SKINS = [
    (241, 204, 180),
    (224, 172, 138),
    (198, 140, 100),
    (160, 105, 72),
    (110, 72, 50),
    (250, 220, 200),
]
_HAIRS = [
    (30, 25, 20),
    (90, 60, 30),
    (180, 140, 70),
    (220, 200, 150),
    (140, 40, 20),
    (120, 120, 120),
]
_EYES = [(60, 90, 150), (70, 110, 60), (80, 50, 30), (40, 40, 40)]


def _random(seed: str) -> Random:
    return Random(hashlib.sha256(seed.encode()).digest())  # noqa: S311 - a drawing, not a secret


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _draw(seed: str, background: tuple[int, int, int], shift: tuple[int, int]) -> Image.Image:
    r = _random(seed)
    image = Image.new("RGB", (WIDTH, HEIGHT), background)
    draw = ImageDraw.Draw(image)
    dx, dy = shift
    cx, cy = WIDTH // 2 + dx, 170 + dy
    half_w, half_h = r.randint(62, 84), r.randint(84, 104)
    skin = _mix(r.choice(_SKINS), r.choice(_SKINS), r.random())
    hair = _mix(r.choice(_HAIRS), r.choice(_HAIRS), r.random())
    eye = _mix(r.choice(_EYES), r.choice(_EYES), r.random())
    style = r.randrange(4)
    draw.rectangle((cx - 40, cy + half_h - 20, cx + 40, HEIGHT), fill=skin)  # neck
    draw.ellipse(
        (cx - half_w - 50, cy + half_h - 5, cx + half_w + 50, HEIGHT + 120), fill=r.choice(_EYES)
    )
    if style in (1, 3):  # long hair behind the head
        draw.rectangle(
            (cx - half_w - 12, cy - 20, cx + half_w + 12, cy + half_h + r.randint(0, 50)), fill=hair
        )
    draw.ellipse((cx - half_w, cy - half_h, cx + half_w, cy + half_h), fill=skin)
    top = cy - half_h - r.randint(4, 16)
    if style != 2:  # style 2 is bald
        draw.chord(
            (cx - half_w - 6, top, cx + half_w + 6, cy + r.randint(-30, 10)), 180, 360, fill=hair
        )
    spacing, eye_y, eye_size = r.randint(22, 34), cy - r.randint(5, 25), r.randint(7, 12)
    for side in (-1, 1):
        ex = cx + side * spacing
        draw.ellipse(
            (ex - eye_size - 4, eye_y - eye_size + 2, ex + eye_size + 4, eye_y + eye_size - 2),
            fill="white",
        )
        draw.ellipse(
            (ex - eye_size // 2, eye_y - eye_size // 2, ex + eye_size // 2, eye_y + eye_size // 2),
            fill=eye,
        )
        brow = eye_y - eye_size - r.randint(4, 10)
        draw.line(
            (ex - 14, brow, ex + 14, brow - side * r.randint(-3, 3)),
            fill=hair,
            width=r.randint(3, 6),
        )
    nose = r.randint(18, 32)
    draw.line(
        (cx, eye_y + 8, cx - 6, eye_y + nose, cx + 4, eye_y + nose + 2), fill=(90, 60, 50), width=2
    )
    mouth_y, mouth_w = cy + r.randint(38, 56), r.randint(18, 32)
    draw.arc(
        (cx - mouth_w, mouth_y - 12, cx + mouth_w, mouth_y + 10),
        20,
        160,
        fill=(150, 50, 60),
        width=4,
    )
    return image


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def portrait(seed: str) -> bytes:
    """The passport photo of ``seed``'s person (JPEG)."""
    return _jpeg(_draw(seed, (232, 236, 240), (0, 0)))


def capture(seed: str, attempt: int = 0) -> bytes:
    """A phone camera's picture of ``seed``'s person (JPEG): the ``attempt``-th take, each a
    little different in place, light and background."""
    r = _random(f"{seed}/capture/{attempt}")
    background = (r.randint(150, 220), r.randint(150, 220), r.randint(150, 220))
    image = _draw(seed, background, (r.randint(-4, 4), r.randint(-4, 4)))
    image = ImageEnhance.Brightness(image).enhance(r.uniform(0.9, 1.1))
    return _jpeg(image)


def _pixels(picture: bytes) -> Image.Image:
    with Image.open(io.BytesIO(picture)) as image:
        return ImageOps.fit(image.convert("RGB"), (WIDTH, HEIGHT)).resize(
            _GRID, Image.Resampling.BOX
        )


def _distance(a: bytes, b: bytes) -> int:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True))


def difference(portrait: bytes, capture: bytes) -> float:
    """How much a capture differs from a portrait (0 is the same picture): the mean colour
    difference over the portrait's person (its plain background left out), the capture's
    light evened out to the portrait's, at the best of a few small shifts."""
    reference = _pixels(portrait).tobytes()  # R, G, B of each cell in turn
    background = reference[0:3]
    person = [
        i for i in range(0, len(reference), 3) if _distance(reference[i : i + 3], background) > 30
    ]
    wanted = [c for i in person for c in reference[i : i + 3]]
    seen = _pixels(capture)
    best = float("inf")
    for dx, dy in itertools.product(range(-2, 3), repeat=2):
        shifted = ImageChops.offset(seen, -dx, -dy).tobytes()
        got = [c for i in person for c in shifted[i : i + 3]]
        gain = sum(wanted) / max(1, sum(got))
        mean = sum(abs(w - g * gain) for w, g in zip(wanted, got, strict=True)) / max(
            1, len(wanted)
        )
        best = min(best, mean)
    return best


# Below this difference, two drawn faces are the same person (measured on 50 people, 4 takes
# each: the same person differed by at most 9.7, two people by at least 11.3).
SAME_PERSON = 10.5


class DemoFaceVerifier:
    """The demo's face verifier (:class:`segl.proofing.faces.FaceVerifier`): the drawn faces
    compared by :func:`difference`. A capture of the same drawn person matches; any other goes
    to review, as a real verifier's doubt would."""

    name = "demo"

    def verify(self, *, capture: bytes, portrait: bytes) -> FaceResult:
        apart = difference(portrait, capture)
        score = max(0.0, 1.0 - apart / (2 * SAME_PERSON))
        return FaceResult(
            live=True, score=round(score, 3), decision="match" if apart < SAME_PERSON else "review"
        )
