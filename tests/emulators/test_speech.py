"""The audio code reader's voice, heard by measuring it: espeak-ng's WAV files grow longer as
the speed goes down, louder as the volume goes up, differ between Danish and English, and say
the code's digits in order (espeak-ng's own phonemes for each digit, made here at test time)."""

from __future__ import annotations

import array
import io
import math
import shutil
import subprocess
import wave
from pathlib import Path

import pytest

from segl.emulators import speech

CODE = "493017"
SERIAL = "AR0000000018"


def measure(wav: bytes) -> tuple[float, float]:
    """Seconds and root-mean-square amplitude of a 16-bit mono WAV file."""
    with wave.open(io.BytesIO(wav)) as sound:
        assert (sound.getnchannels(), sound.getsampwidth()) == (1, 2)
        seconds = sound.getnframes() / sound.getframerate()
        samples = array.array("h", sound.readframes(sound.getnframes()))
    assert len(samples) > 0
    return seconds, math.sqrt(sum(s * s for s in samples) / len(samples))


def code_wav(*, language: str = "da", speed: int = 3, volume: int = 5) -> bytes:
    return speech.render(("code", CODE), language=language, speed=speed, volume=volume)


def reference_phonemes(text: str, language: str) -> str:
    """espeak-ng's phonemes for ``text`` said alone, asked of espeak-ng itself."""
    espeak = shutil.which("espeak-ng")
    assert espeak is not None, "espeak-ng is installed by `make test`"
    done = subprocess.run(
        [espeak, "-q", "-x", "-v", speech.VOICES[language], text],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def test_slower_speech_lasts_longer_and_faster_speech_shorter() -> None:
    durations = [measure(code_wav(speed=speed))[0] for speed in range(1, 6)]
    assert durations == sorted(durations, reverse=True)
    assert len(set(durations)) == 5
    assert durations[0] > 1.5 * durations[-1]


def test_the_volume_sets_the_amplitude() -> None:
    loudness = [measure(code_wav(volume=volume))[1] for volume in range(1, 10)]
    assert loudness == sorted(loudness)
    assert len(set(loudness)) == 9
    # Even steps: espeak-ng's amplitude is linear, and no volume clips.
    ratio = loudness[-1] / loudness[0]
    expected = speech.amplitude(9) / speech.amplitude(1)
    assert abs(ratio - expected) / expected < 0.1, (ratio, expected)


def test_the_volume_does_not_change_the_length() -> None:
    # The file says only what it is asked: the duration follows the speed, not the volume.
    quiet, loud = measure(code_wav(volume=1))[0], measure(code_wav(volume=9))[0]
    assert quiet == loud


def test_danish_and_english_differ() -> None:
    danish, english = code_wav(language="da"), code_wav(language="en")
    assert danish != english
    assert speech.phonemes(("code", CODE), language="da", speed=3) != speech.phonemes(
        ("code", CODE), language="en", speed=3
    )


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_spoken_digits_are_the_code_in_two_groups(language: str) -> None:
    said = speech.phonemes(("code", CODE), language=language, speed=3)
    groups = [line.split() for line in said.strip().splitlines()]
    expected = [
        [reference_phonemes(digit, language) for digit in CODE[:3]],
        [reference_phonemes(digit, language) for digit in CODE[3:]],
    ]
    assert groups == expected


def test_english_digits_are_their_names() -> None:
    names = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    said = speech.phonemes(("code", "0123456789"), language="en", speed=3).split()
    assert said == [reference_phonemes(name, "en") for name in names]


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_serial_number_is_read_as_printed(language: str) -> None:
    lines = speech.phonemes(("serial", SERIAL), language=language, speed=3).strip().splitlines()
    # "Serial number", the two letters, the nine digits in threes, the check digit.
    assert lines[0] == reference_phonemes(speech.WORDS[language]["serial"], language)
    assert lines[1] == reference_phonemes("A R", language)
    digits = [line.split() for line in lines[2:]]
    assert digits == [
        [reference_phonemes(d, language) for d in group] for group in ("000", "000", "001", "8")
    ]


@pytest.mark.parametrize(
    ("said", "words"),
    [
        (("volume", "6"), {"da": "Lydstyrke 6", "en": "Volume 6"}),
        (("volume_max", "9"), {"da": "Højeste lydstyrke", "en": "Highest volume"}),
        (("speed_min", "1"), {"da": "Laveste hastighed", "en": "Slowest speed"}),
        (("language", "en"), {"da": "Dansk", "en": "English"}),
    ],
)
def test_the_device_says_its_settings_in_its_own_language(
    said: tuple[str, str], words: dict[str, str]
) -> None:
    for language, text in words.items():
        got = speech.phonemes(said, language=language, speed=3).strip()
        assert got == reference_phonemes(text, language)


def test_a_missing_espeak_is_said_plainly(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not speech.available()
    with pytest.raises(speech.SpeechUnavailable, match="not installed"):
        code_wav()
