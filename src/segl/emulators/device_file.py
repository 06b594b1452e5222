"""What an emulated code display or audio code reader holds: its serial number and its seed.

A device file is the device's memory, and the emulator reads only this file, never the IdP,
just as a physical token knows nothing but what the factory put in it::

    {"format": "segl-device/1", "serial": "CD0000000018", "kind": "code_display",
     "algorithm": "totp", "hash_algorithm": "SHA1", "digits": 6, "period": 30, "t0": 0,
     "counter": 0, "secret": "<base32>"}

An audio code reader also keeps its settings, ``language`` (``da`` or ``en``), ``volume``
(1-9) and ``speed`` (1-5), and what it is doing (``reader``: when it turns itself off, what its
display shows, the code it showed and what it last said; ``audio_reader`` works these).

Serial numbers are printed on the back of the device: two letters for the kind, nine digits,
and a Luhn check digit over those nine (``CD1234567897``), so that a mistyped serial is caught
before it is looked up.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal, get_args

from segl.core.otp import Algorithm, TotpParams, hotp_code, totp_code
from segl.core.pskc import TokenAlgorithm, TokenSeed
from segl.core.secrets import Secret

__all__ = [
    "FORMAT",
    "MANUFACTURER",
    "SAYINGS",
    "DeviceFile",
    "Kind",
    "Language",
    "ReaderState",
    "check_serial",
    "device_lock",
    "make_serial",
    "serial_kind",
    "serial_number",
]

Kind = Literal["code_display", "audio_code_reader"]
Language = Literal["da", "en"]

FORMAT: Final = "segl-device/1"
MANUFACTURER: Final = "segl factory"
PREFIXES: Final[dict[Kind, str]] = {"code_display": "CD", "audio_code_reader": "AR"}
MAX_NUMBER: Final = 999_999_999

_KINDS: Final[tuple[str, ...]] = get_args(Kind)
_LANGUAGES: Final[tuple[str, ...]] = get_args(Language)
_HASHES: Final[tuple[str, ...]] = get_args(Algorithm)
_SERIAL = re.compile(r"(CD|AR)([0-9]{9})([0-9])")
_VOLUMES, _SPEEDS = range(1, 10), range(1, 6)
# What an audio code reader can say (``ReaderState.said``'s first half).
SAYINGS: Final = frozenset(
    {"code", "serial", "language", "volume", "volume_max", "volume_min"}
    | {"speed", "speed_max", "speed_min"}
)


# --- serial numbers ------------------------------------------------------------------------


def _luhn_digit(digits: str) -> str:
    """The Luhn (ISO/IEC 7812-1) check digit for ``digits``."""
    total = 0
    # From the right, every other digit starting with the rightmost is doubled.
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def make_serial(kind: Kind, n: int) -> str:
    """The ``n``-th serial number of a kind: prefix, nine digits, Luhn check digit."""
    if kind not in PREFIXES:
        raise ValueError(f"unknown device kind {kind!r}")
    return numbered_serial(PREFIXES[kind], n)


def numbered_serial(prefix: str, n: int) -> str:
    """``prefix``, ``n`` in nine digits, and their Luhn check digit (code devices and chips)."""
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_NUMBER:
        raise ValueError(f"a serial number counts from 1 to {MAX_NUMBER}, not {n!r}")
    digits = f"{n:09d}"
    return f"{prefix}{digits}{_luhn_digit(digits)}"


def check_serial(raw: str) -> str:
    """The serial as printed (``CD1234567897``) from what was typed; ``ValueError`` if wrong.

    Spaces, hyphens and lower case are forgiven; a wrong check digit is not.
    """
    serial = re.sub(r"[\s\-]", "", raw).upper()
    match = _SERIAL.fullmatch(serial)
    if match is None:
        raise ValueError("a serial number is CD or AR followed by ten digits")
    _, digits, check = match.groups()
    if _luhn_digit(digits) != check:
        raise ValueError("the serial number's check digit does not match; is it mistyped?")
    return serial


def serial_kind(serial: str) -> Kind:
    """Which kind of device a (checked) serial number belongs to."""
    prefix = check_serial(serial)[:2]
    return next(kind for kind, known in PREFIXES.items() if known == prefix)


def serial_number(serial: str) -> int:
    """The running number inside a (checked) serial number."""
    return int(check_serial(serial)[2:11])


# --- the device file ---------------------------------------------------------------------


@dataclass
class ReaderState:
    """What an audio code reader is doing: it is on until ``on_until``; while on, its display
    shows ``display`` and the code it last showed is ``code``; ``said`` is what it last said
    (what, and the value: ``("code", "123456")``, ``("volume", "6")``)."""

    on_until: datetime | None = None
    display: str = ""
    code: str = ""
    said: tuple[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "on_until": self.on_until.isoformat() if self.on_until else None,
            "display": self.display,
            "code": self.code,
            "said": list(self.said) if self.said else None,
        }

    @classmethod
    def from_json(cls, data: object) -> ReaderState:
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError("the reader's state must be an object")
        on_until, said = data.get("on_until"), data.get("said")
        if said is not None and not (isinstance(said, list) and len(said) == 2):
            raise ValueError("the reader's speech is a pair: what, and its value")
        try:
            state = cls(
                on_until=datetime.fromisoformat(on_until) if on_until is not None else None,
                display=data.get("display", ""),
                code=data.get("code", ""),
                said=(said[0], said[1]) if said is not None else None,
            )
        except (TypeError, ValueError, IndexError, KeyError):
            raise ValueError("the reader's state is not readable") from None
        if state.on_until is not None and state.on_until.tzinfo is None:
            state.on_until = state.on_until.replace(tzinfo=UTC)
        # Printable only: what the display shows and espeak-ng is given (no NUL, no lone
        # surrogate, no terminal escapes).
        texts = (state.display, state.code, *(state.said or ()))
        if not all(
            isinstance(text, str) and len(text) <= 16 and text.isprintable() for text in texts
        ):
            raise ValueError("the reader's display, code and speech are short printable texts")
        if state.said is not None and state.said[0] not in SAYINGS:
            raise ValueError(f"the reader cannot say {state.said[0]!r}")
        return state


@dataclass
class DeviceFile:
    """The contents of one device; ``press()`` is its button."""

    serial: str
    kind: Kind
    algorithm: TokenAlgorithm
    secret: Secret
    hash_algorithm: Algorithm = "SHA1"
    digits: int = 6
    period: int | None = 30
    t0: int = 0
    counter: int = 0
    # Audio code reader settings; None on a code display.
    language: Language | None = None
    volume: int | None = None
    speed: int | None = None
    reader: ReaderState | None = None
    # Where the device lives; press() writes the HOTP counter back here.
    path: Path | None = field(default=None, compare=False, repr=False)

    @classmethod
    def from_seed(cls, seed: TokenSeed, kind: Kind) -> DeviceFile:
        audio = kind == "audio_code_reader"
        return cls(
            serial=seed.serial,
            kind=kind,
            algorithm=seed.algorithm,
            secret=seed.secret,
            hash_algorithm=seed.hash_algorithm,
            digits=seed.digits,
            period=seed.period if seed.algorithm == "totp" else None,
            t0=seed.t0,
            counter=seed.counter,
            language="da" if audio else None,
            volume=5 if audio else None,
            speed=3 if audio else None,
            reader=ReaderState() if audio else None,
        )

    def seed(self) -> TokenSeed:
        """The seed as the factory shipped it to the IdP in the PSKC file."""
        return TokenSeed(
            serial=self.serial,
            algorithm=self.algorithm,
            secret=self.secret,
            digits=self.digits,
            hash_algorithm=self.hash_algorithm,
            period=self.period,
            t0=self.t0,
            counter=self.counter,
            manufacturer=MANUFACTURER,
            model=self.kind,
        )

    # Pressing the button ----------------------------------------------------------------

    def press(self, now: datetime) -> str:
        """The code the display shows now.

        A TOTP device shows the code of the time step ``now`` falls in (RFC 6238). An HOTP
        device shows the code of its counter and moves the counter on (RFC 4226 §5.2); the new
        counter is saved before the code is shown, so no code is ever shown twice.
        """
        if self.algorithm == "totp":
            params = TotpParams(
                algorithm=self.hash_algorithm,
                digits=self.digits,
                period=self.period if self.period is not None else 30,
                t0=self.t0,
            )
            return totp_code(self.secret.reveal(), now, params)
        code = hotp_code(
            self.secret.reveal(), self.counter, digits=self.digits, algorithm=self.hash_algorithm
        )
        self.counter += 1
        if self.path is not None:
            self.dump(self.path)
        return code

    # Reading and writing ------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path | str) -> DeviceFile:
        path = Path(path)
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path}: not a device file ({exc})") from None
        device = cls.from_json(raw)
        device.path = path
        return device

    def dump(self, path: Path | str | None = None, *, exclusive: bool = False) -> Path:
        """Write the device file (mode 0600) atomically; ``exclusive`` refuses to replace one."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("no path to write the device file to")
        text = json.dumps(self.to_json(), indent=2) + "\n"
        if exclusive:
            _write_new(target, text)
        else:
            # Write next to it and rename, so a crash never leaves half a device behind.
            fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
            temporary = Path(name)
            try:
                _write_fd(fd, text)  # mkstemp makes the file 0600
                os.replace(temporary, target)
            except BaseException:
                temporary.unlink(missing_ok=True)
                raise
        self.path = target
        return target

    def to_json(self) -> dict[str, Any]:
        _check(self)
        data: dict[str, Any] = {
            "format": FORMAT,
            "serial": self.serial,
            "kind": self.kind,
            "algorithm": self.algorithm,
            "hash_algorithm": self.hash_algorithm,
            "digits": self.digits,
            "period": self.period,
            "t0": self.t0,
            "counter": self.counter,
            "secret": base64.b32encode(self.secret.reveal()).decode("ascii").rstrip("="),
        }
        if self.kind == "audio_code_reader":
            data.update(language=self.language, volume=self.volume, speed=self.speed)
            data["reader"] = (self.reader or ReaderState()).to_json()
        return data

    @classmethod
    def from_json(cls, data: object) -> DeviceFile:
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"not a device file: the format is not {FORMAT!r}")
        try:
            secret = _b32decode(data["secret"])
            kind = data["kind"]
            audio = kind == "audio_code_reader"
            device = cls(
                serial=data["serial"],
                kind=kind,
                algorithm=data["algorithm"],
                secret=Secret(secret),
                hash_algorithm=data.get("hash_algorithm", "SHA1"),
                digits=data.get("digits", 6),
                period=data.get("period", 30 if data["algorithm"] == "totp" else None),
                t0=data.get("t0", 0),
                counter=data.get("counter", 0),
                language=data.get("language", "da") if audio else None,
                volume=data.get("volume", 5) if audio else None,
                speed=data.get("speed", 3) if audio else None,
                reader=ReaderState.from_json(data.get("reader")) if audio else None,
            )
        except KeyError as exc:
            raise ValueError(f"device file without {exc.args[0]!r}") from None
        _check(device)
        return device


def _check(device: DeviceFile) -> None:
    if not isinstance(device.serial, str):
        raise ValueError("the serial number must be a string")
    if check_serial(device.serial) != device.serial:
        raise ValueError(f"serial {device.serial!r} is not written as printed")
    if device.kind not in _KINDS:
        raise ValueError(f"unknown device kind {device.kind!r}")
    if serial_kind(device.serial) != device.kind:
        raise ValueError(f"serial {device.serial} is not a {device.kind}")
    if device.algorithm not in ("totp", "hotp"):
        raise ValueError(f"unknown algorithm {device.algorithm!r}")
    if device.hash_algorithm not in _HASHES:
        raise ValueError(f"unknown hash {device.hash_algorithm!r}")
    for name in ("digits", "t0", "counter"):
        value = getattr(device, name)
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer")
    if device.algorithm == "totp" and (
        isinstance(device.period, bool) or not isinstance(device.period, int) or device.period < 1
    ):
        raise ValueError("a TOTP device needs a period of at least one second")
    if device.kind == "audio_code_reader":
        if device.language not in _LANGUAGES:
            raise ValueError("the language must be 'da' or 'en'")
        if device.volume not in _VOLUMES:
            raise ValueError("the volume must be 1 to 9")
        if device.speed not in _SPEEDS:
            raise ValueError("the speed must be 1 to 5")
    elif (device.language, device.volume, device.speed, device.reader) != (None,) * 4:
        raise ValueError("only an audio code reader has language, volume, speed and state")


@contextmanager
def device_lock(path: Path) -> Iterator[None]:
    """Hold the device's lock (``SERIAL.json.lock`` beside its file) for a read, press and write:
    the emulator's pages and ``segl device press`` take turns, as a real device has one user."""
    with open(path.with_name(path.name + ".lock"), "a", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _b32decode(text: object) -> bytes:
    if not isinstance(text, str) or not text:
        raise ValueError("the secret must be base32 text")
    squashed = text.replace(" ", "").upper().rstrip("=")
    try:
        return base64.b32decode(squashed + "=" * (-len(squashed) % 8))
    except binascii.Error:
        raise ValueError("the secret is not valid base32") from None


def _write_new(path: Path, text: str) -> None:
    """Create ``path`` readable by its owner only; fail if it already exists."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        _write_fd(fd, text)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _write_fd(fd: int, text: str) -> None:
    with os.fdopen(fd, "wb") as handle:
        os.fchmod(handle.fileno(), 0o600)  # whatever the umask
        handle.write(text.encode("utf-8"))
