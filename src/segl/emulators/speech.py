"""The audio code reader's voice: espeak-ng, in Danish or English, at the device's speed and
volume.

A code is read digit by digit in two groups of three with a pause between ("1 2 3 — 4 5 6");
a serial number is read as printed: its two letters, its nine digits in threes and the check
digit. The device's own words (volume, speed, language) are its firmware's, in its language,
not the page's. :func:`render` gives a WAV file; :func:`phonemes` gives what espeak-ng would
say, as its phoneme mnemonics, so a test can hear without ears.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

__all__ = ["SpeechUnavailable", "available", "phonemes", "render", "ssml"]

ESPEAK: Final = "espeak-ng"
VOICES: Final = {"da": "da", "en": "en-gb"}
# Words a minute for speeds 1-5 (espeak-ng's own default is 175).
WORDS_PER_MINUTE: Final = {1: 100, 2: 130, 3: 160, 4: 190, 5: 220}
TIMEOUT_SECONDS: Final = 10

WORDS: Final[dict[str, dict[str, str]]] = {
    "da": {
        "volume": "Lydstyrke {value}",
        "volume_max": "Højeste lydstyrke",
        "volume_min": "Laveste lydstyrke",
        "speed": "Hastighed {value}",
        "speed_max": "Højeste hastighed",
        "speed_min": "Laveste hastighed",
        "language": "Dansk",
        "serial": "Serienummer",
    },
    "en": {
        "volume": "Volume {value}",
        "volume_max": "Highest volume",
        "volume_min": "Lowest volume",
        "speed": "Speed {value}",
        "speed_max": "Fastest speed",
        "speed_min": "Slowest speed",
        "language": "English",
        "serial": "Serial number",
    },
}


class SpeechUnavailable(RuntimeError):
    """espeak-ng is not installed, or it failed."""


def available() -> bool:
    return shutil.which(ESPEAK) is not None


def amplitude(volume: int) -> int:
    """espeak-ng's amplitude (0-200, default 100) for volumes 1-9: even steps, none clipped."""
    return 20 + 12 * (volume - 1)


def pause_ms(speed: int) -> int:
    """The pause between groups: longer when the reading is slower."""
    return 900 - 100 * speed


def ssml(said: tuple[str, str], language: str, speed: int) -> str:
    """What the device says, as the SSML espeak-ng reads."""
    what, value = said
    words = WORDS[language]
    pause = f'<break time="{pause_ms(speed)}ms"/>'
    if what == "code":
        groups = [value[i : i + 3] for i in range(0, len(value), 3)]
        body = pause.join(_spell(group) for group in groups)
    elif what == "serial":
        groups = [value[:2], value[2:5], value[5:8], value[8:11], value[11:]]
        body = escape(words["serial"]) + pause + pause.join(_spell(g) for g in groups if g)
    else:
        body = escape(words[what].format(value=value))
    return f"<speak>{body}</speak>"


def render(said: tuple[str, str], *, language: str, speed: int, volume: int) -> bytes:
    """A WAV file (16-bit mono) of the device saying ``said``."""
    with tempfile.TemporaryDirectory(prefix="segl-speech-") as folder:
        target = Path(folder) / "speech.wav"
        _espeak(["-w", str(target)], said, language, speed, volume)
        return target.read_bytes()


def phonemes(said: tuple[str, str], *, language: str, speed: int) -> str:
    """espeak-ng's phoneme mnemonics for ``said`` (one line a group)."""
    return _espeak(["-q", "-x"], said, language, speed, volume=5)


def _espeak(extra: list[str], said: tuple[str, str], language: str, speed: int, volume: int) -> str:
    command = shutil.which(ESPEAK)
    if command is None:
        raise SpeechUnavailable("espeak-ng is not installed")
    argv = [
        command,
        "-v",
        VOICES[language],
        "-s",
        str(WORDS_PER_MINUTE[speed]),
        "-a",
        str(amplitude(volume)),
        "-m",
        *extra,
        ssml(said, language, speed),
    ]
    try:
        done = subprocess.run(  # noqa: S603 - a fixed program; the text is ours
            argv, capture_output=True, timeout=TIMEOUT_SECONDS, check=True, text=True
        )
    except (OSError, subprocess.SubprocessError) as exc:
        raise SpeechUnavailable(f"espeak-ng failed: {exc}") from None
    return done.stdout


def _spell(text: str) -> str:
    """One character at a time, so "123" is "one two three", not "a hundred and twenty-three"."""
    return " ".join(escape(char) for char in text)
