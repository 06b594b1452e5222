"""The audio code reader's keys: the red button alone or held with a digit (seed 000).

The device has a keypad of 0-9 and a red button with one raised dot at the bottom right. Its
nine functions, exactly as the seed lists them:

========================  ==========================================================
red button alone          turns it on, shows and reads the one-time code; while it is
                          on, turns it off
red + 0                   reads the code again
red + 9 / red + 7         volume up / down (1 to 9)
red + 6 / red + 4         reading speed up / down (1 to 5)
red + 1                   Danish <-> English
red + 5                   reads the serial number
(20 seconds untouched)    turns itself off
========================  ==========================================================

"As a rule of thumb, the buttons on the right turn up, and the buttons on the left turn down."
At a limit the setting stays and the device says so ("Highest volume"). Every press keeps the
device on for another 20 seconds. The settings and the state live in the device file, so they
last across presses and restarts as a real device's do.

:func:`press` is the device's firmware: it changes the device file's contents and tells what
the display shows and what is said; :mod:`segl.emulators.speech` turns the saying into sound.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, Literal

from . import speech
from .device_file import DeviceFile, ReaderState

__all__ = [
    "AUTO_OFF",
    "Keys",
    "Reaction",
    "display_now",
    "is_on",
    "parse_keys",
    "press",
    "sound",
]

AUTO_OFF: Final = timedelta(seconds=20)
VOLUMES: Final = range(1, 10)
SPEEDS: Final = range(1, 6)
# "The buttons on the right turn up, and the buttons on the left turn down."
SETTING_KEYS: Final[dict[int, tuple[Literal["volume", "speed"], int]]] = {
    9: ("volume", +1),
    7: ("volume", -1),
    6: ("speed", +1),
    4: ("speed", -1),
}

# What a press did; the emulator page says it in the page's language.
Event = Literal[
    "code",  # turned on: shows and reads a new code
    "again",  # the code read again
    "off",  # turned off
    "volume",
    "speed",
    "language",
    "serial",
    "limit",  # a setting at its end: it stays, and the device says so
    "nothing",  # a digit with no function, or a digit without the red button
]

_KEYS = re.compile(r"(red)(?:\+([0-9]))?|([0-9])")


@dataclass(frozen=True)
class Keys:
    """What was pressed: the red button (``red``), alone or held with ``digit``; or a digit
    alone."""

    red: bool
    digit: int | None = None

    def __str__(self) -> str:
        if not self.red:
            return str(self.digit)
        return "red" if self.digit is None else f"red+{self.digit}"


def parse_keys(text: str) -> Keys:
    """``red``, ``red+5`` or ``5``; ``ValueError`` for anything else."""
    match = _KEYS.fullmatch(text.strip().lower().replace(" ", ""))
    if match is None:
        raise ValueError("keys are 'red', 'red+N' or 'N', with N a digit 0-9")
    red, held, alone = match.groups()
    if red:
        return Keys(red=True, digit=int(held) if held is not None else None)
    return Keys(red=False, digit=int(alone))


@dataclass(frozen=True)
class Reaction:
    """What the device did: ``event``, what its display shows now (empty when off) and what it
    said (``("code", "123456")``; ``None`` when silent)."""

    event: Event
    display: str
    said: tuple[str, str] | None

    @property
    def code(self) -> str:
        """The one-time code the display shows, if it shows one."""
        return self.said[1] if self.said and self.said[0] == "code" else ""


def is_on(device: DeviceFile, now: datetime) -> bool:
    state = _state(device)
    return state.on_until is not None and now < state.on_until


def display_now(device: DeviceFile, now: datetime) -> str:
    """What the display shows at ``now``: nothing once the device is off."""
    return _state(device).display if is_on(device, now) else ""


def press(device: DeviceFile, keys: Keys, now: datetime) -> Reaction:
    """Press ``keys`` at ``now``: the device file changes (and is saved, if it has a path)."""
    if device.kind != "audio_code_reader":
        raise ValueError("only an audio code reader has these functions")
    state = _state(device)
    was_on = is_on(device, now)
    if not keys.red:
        # A digit on its own is no function: the device stays as it is.
        return Reaction("nothing", display_now(device, now), None)
    reaction = _function(device, state, keys.digit, was_on, now)
    if reaction.event == "nothing" and not was_on:
        return reaction  # a key with no function does not wake the device
    if reaction.event == "off":
        device.reader = ReaderState(said=None)
    else:
        device.reader = ReaderState(
            on_until=now + AUTO_OFF,
            display=reaction.display,
            code=reaction.code or (state.code if was_on else ""),
            said=reaction.said or state.said,
        )
    if device.path is not None:
        device.dump(device.path)
    return reaction


def _function(
    device: DeviceFile, state: ReaderState, digit: int | None, was_on: bool, now: datetime
) -> Reaction:
    if digit is None:
        if was_on:
            return Reaction("off", "", None)
        return _new_code(device, now)
    if digit == 0:
        if was_on and state.code:
            return Reaction("again", state.code, ("code", state.code))
        return _new_code(device, now)
    if digit in SETTING_KEYS:
        return _turn(device, *SETTING_KEYS[digit])
    if digit == 1:
        device.language = "en" if device.language == "da" else "da"
        return Reaction("language", device.language.upper(), ("language", device.language))
    if digit == 5:
        return Reaction("serial", "Sn", ("serial", device.serial))
    return Reaction("nothing", state.display if was_on else "", None)


def sound(device: DeviceFile, said: tuple[str, str]) -> bytes:
    """``said`` as a WAV file, in the device's language, speed and volume (espeak-ng)."""
    return speech.render(
        said,
        language=device.language or "da",
        speed=device.speed or SPEEDS[len(SPEEDS) // 2],
        volume=device.volume or VOLUMES[len(VOLUMES) // 2],
    )


def _turn(device: DeviceFile, setting: Literal["volume", "speed"], by: int) -> Reaction:
    """Volume or speed one step up or down; at its end it stays, and the device says so."""
    label, allowed = {"volume": ("VOL", VOLUMES), "speed": ("SPd", SPEEDS)}[setting]
    before = getattr(device, setting)
    after = _step(before, by, allowed)
    display = f"{label} {after}"
    if after == before:
        end = "max" if by > 0 else "min"
        return Reaction("limit", display, (f"{setting}_{end}", str(after)))
    setattr(device, setting, after)
    return Reaction(setting, display, (setting, str(after)))


def _new_code(device: DeviceFile, now: datetime) -> Reaction:
    code = device.press(now)
    return Reaction("code", code, ("code", code))


def _step(value: int | None, by: int, allowed: range) -> int:
    current = value if value is not None else allowed[len(allowed) // 2]
    return min(max(current + by, allowed.start), allowed.stop - 1)


def _state(device: DeviceFile) -> ReaderState:
    return device.reader if device.reader is not None else ReaderState()
