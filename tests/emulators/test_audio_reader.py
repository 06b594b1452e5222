"""The audio code reader's nine functions (seed 000), their limits and what the device file
keeps, with a clock moved by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from segl.core.otp import TotpParams, hotp_code, totp_code
from segl.core.secrets import Secret
from segl.emulators.audio_reader import AUTO_OFF, Keys, display_now, is_on, parse_keys, press
from segl.emulators.device_file import DeviceFile, make_serial

START = datetime(2026, 11, 30, 12, 0, 5, tzinfo=UTC)
SECRET = b"12345678901234567890"
RED = Keys(red=True)


def red_with(digit: int) -> Keys:
    return Keys(red=True, digit=digit)


def reader(tmp_path: Path, algorithm: str = "totp") -> DeviceFile:
    serial = make_serial("audio_code_reader", 18)
    device = DeviceFile(
        serial=serial,
        kind="audio_code_reader",
        algorithm=algorithm,  # type: ignore[arg-type]
        secret=Secret(SECRET),
        period=30 if algorithm == "totp" else None,
        language="da",
        volume=5,
        speed=3,
    )
    device.dump(tmp_path / f"{serial}.json")
    return DeviceFile.load(tmp_path / f"{serial}.json")


def again(device: DeviceFile) -> DeviceFile:
    """The device as its file holds it: what a restart of the emulator sees."""
    assert device.path is not None
    return DeviceFile.load(device.path)


def expected_code(at: datetime) -> str:
    return totp_code(SECRET, at, TotpParams())


def test_the_red_button_alone_shows_and_reads_the_code(tmp_path: Path) -> None:
    device = reader(tmp_path)
    reaction = press(device, RED, START)
    assert reaction.event == "code"
    assert reaction.display == expected_code(START)
    assert reaction.said == ("code", expected_code(START))
    assert is_on(again(device), START)
    assert display_now(again(device), START + timedelta(seconds=5)) == expected_code(START)


def test_the_red_button_while_on_turns_it_off(tmp_path: Path) -> None:
    device = reader(tmp_path)
    press(device, RED, START)
    reaction = press(again(device), RED, START + timedelta(seconds=3))
    assert (reaction.event, reaction.display, reaction.said) == ("off", "", None)
    assert not is_on(again(device), START + timedelta(seconds=3))
    # Off, the red button turns it on again with the code of the moment.
    later = START + timedelta(seconds=40)
    assert press(again(device), RED, later).display == expected_code(later)


def test_twenty_seconds_untouched_turns_it_off(tmp_path: Path) -> None:
    device = reader(tmp_path)
    press(device, RED, START)
    assert timedelta(seconds=20) == AUTO_OFF
    assert is_on(again(device), START + timedelta(seconds=19.9))
    assert not is_on(again(device), START + timedelta(seconds=20))
    assert display_now(again(device), START + timedelta(seconds=20)) == ""
    # So the red button at 21 s turns it on (a new code), not off.
    assert press(again(device), RED, START + timedelta(seconds=21)).event == "code"


def test_every_press_keeps_it_on_for_another_twenty_seconds(tmp_path: Path) -> None:
    device = reader(tmp_path)
    press(device, RED, START)
    press(again(device), red_with(9), START + timedelta(seconds=15))
    assert is_on(again(device), START + timedelta(seconds=34))
    assert not is_on(again(device), START + timedelta(seconds=35))


def test_red_and_0_reads_the_same_code_again(tmp_path: Path) -> None:
    device = reader(tmp_path, "hotp")
    first = press(device, RED, START)
    assert first.display == hotp_code(SECRET, 0)
    repeat = press(again(device), red_with(0), START + timedelta(seconds=10))
    assert (repeat.event, repeat.display, repeat.said) == ("again", first.display, first.said)
    # The counter did not move: reading again is not a new code.
    assert again(device).counter == 1
    # A code read again is still the code after a setting was changed in between.
    press(again(device), red_with(7), START + timedelta(seconds=12))
    assert press(again(device), red_with(0), START + timedelta(seconds=13)).display == first.display


def test_red_and_0_when_off_gives_a_code(tmp_path: Path) -> None:
    device = reader(tmp_path, "hotp")
    reaction = press(device, red_with(0), START)
    assert (reaction.event, reaction.display) == ("code", hotp_code(SECRET, 0))


def test_volume_goes_up_with_9_and_down_with_7_and_stops_at_its_ends(tmp_path: Path) -> None:
    device = reader(tmp_path)
    at = START
    for expected in (6, 7, 8, 9):
        reaction = press(again(device), red_with(9), at)
        assert (reaction.event, reaction.said, again(device).volume) == (
            "volume",
            ("volume", str(expected)),
            expected,
        )
        assert reaction.display == f"VOL {expected}"
    top = press(again(device), red_with(9), at)
    assert (top.event, top.said, again(device).volume) == ("limit", ("volume_max", "9"), 9)
    for expected in range(8, 0, -1):
        assert press(again(device), red_with(7), at).said == ("volume", str(expected))
    bottom = press(again(device), red_with(7), at)
    assert (bottom.event, bottom.said, again(device).volume) == ("limit", ("volume_min", "1"), 1)


def test_speed_goes_up_with_6_and_down_with_4_and_stops_at_its_ends(tmp_path: Path) -> None:
    device = reader(tmp_path)
    assert [press(again(device), red_with(6), START).said for _ in range(3)] == [
        ("speed", "4"),
        ("speed", "5"),
        ("speed_max", "5"),
    ]
    assert again(device).speed == 5
    said = [press(again(device), red_with(4), START).said for _ in range(5)]
    assert said[-2:] == [("speed", "1"), ("speed_min", "1")]
    assert again(device).speed == 1


def test_red_and_1_switches_danish_and_english(tmp_path: Path) -> None:
    device = reader(tmp_path)
    first = press(device, red_with(1), START)
    assert (first.event, first.said, again(device).language) == (
        "language",
        ("language", "en"),
        "en",
    )
    second = press(again(device), red_with(1), START)
    assert (second.said, again(device).language) == (("language", "da"), "da")


def test_red_and_5_reads_the_serial_number(tmp_path: Path) -> None:
    device = reader(tmp_path)
    reaction = press(device, red_with(5), START)
    assert (reaction.event, reaction.said) == ("serial", ("serial", device.serial))
    assert reaction.code == ""


@pytest.mark.parametrize("digit", [2, 3, 8])
def test_the_other_digits_with_red_do_nothing(tmp_path: Path, digit: int) -> None:
    device = reader(tmp_path)
    before = device.to_json()
    reaction = press(device, red_with(digit), START)
    assert (reaction.event, reaction.said) == ("nothing", None)
    assert again(device).to_json() == before  # not even woken


def test_a_digit_alone_does_nothing(tmp_path: Path) -> None:
    device = reader(tmp_path)
    code = press(device, RED, START).display
    reaction = press(again(device), Keys(red=False, digit=9), START + timedelta(seconds=1))
    assert (reaction.event, reaction.display, again(device).volume) == ("nothing", code, 5)


def test_settings_and_state_last_across_restarts(tmp_path: Path) -> None:
    device = reader(tmp_path)
    for keys in (red_with(9), red_with(9), red_with(4), red_with(1)):
        press(again(device), keys, START)
    press(again(device), RED, START)  # it was on: this turns it off
    press(again(device), RED, START + timedelta(seconds=1))
    assert device.path is not None
    saved = json.loads(device.path.read_text())
    assert (saved["language"], saved["volume"], saved["speed"]) == ("en", 7, 2)
    assert saved["reader"]["display"] == expected_code(START + timedelta(seconds=1))
    assert saved["reader"]["on_until"] == (START + timedelta(seconds=21)).isoformat()


def test_a_code_display_has_no_such_functions(tmp_path: Path) -> None:
    device = DeviceFile(
        serial=make_serial("code_display", 1),
        kind="code_display",
        algorithm="totp",
        secret=Secret(SECRET),
    )
    with pytest.raises(ValueError, match="audio code reader"):
        press(device, RED, START)


@pytest.mark.parametrize(
    ("text", "keys"),
    [("red", RED), ("RED + 5", red_with(5)), ("red+0", red_with(0)), ("7", Keys(False, 7))],
)
def test_keys_are_read_from_text(text: str, keys: Keys) -> None:
    assert parse_keys(text) == keys
    assert parse_keys(str(keys)) == keys


@pytest.mark.parametrize("text", ["", "red+", "red+10", "blue", "5+red", "r"])
def test_other_keys_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="keys are"):
        parse_keys(text)


@pytest.mark.parametrize(
    "state",
    [
        "on",
        {"on_until": "yesterday"},
        {"on_until": 17},
        {"said": ["code"]},
        {"display": 123456},
        {"code": "x" * 40},
    ],
)
def test_a_device_file_with_an_unreadable_state_is_refused(tmp_path: Path, state: object) -> None:
    device = reader(tmp_path)
    data = device.to_json()
    data["reader"] = state
    with pytest.raises(ValueError, match="reader's"):
        DeviceFile.from_json(data)


# --- `segl device press` --------------------------------------------------------------------


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from segl.cli import main

    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_cli_presses_the_keys_and_writes_what_is_said(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    import wave

    device = reader(tmp_path)
    where = ("--dir", str(tmp_path))
    code, out, _ = cli(
        capsys, "device", "press", device.serial, *where, "--audio", str(tmp_path / "a.wav")
    )
    first = json.loads(
        cli(
            capsys,
            "device",
            "press",
            device.serial,
            *where,
            "--with",
            "0",
            "--json",
            "--audio",
            str(tmp_path / "again.wav"),
        )[1]
    )
    assert code == 0 and out.strip() == first["code"] == first["display"]
    assert (first["keys"], first["event"], first["said"]) == (
        "red+0",
        "again",
        ["code", out.strip()],
    )
    with wave.open(str(tmp_path / "again.wav")) as sound:
        assert sound.getnframes() / sound.getframerate() > 1
    up = json.loads(
        cli(capsys, "device", "press", device.serial, *where, "--with", "9", "--json")[1]
    )
    assert (up["event"], up["volume"], up["display"]) == ("volume", 6, "VOL 6")
    assert again(device).volume == 6


def test_the_cli_says_when_nothing_was_said(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    device = reader(tmp_path)
    code, _, err = cli(
        capsys,
        "device",
        "press",
        device.serial,
        "--dir",
        str(tmp_path),
        "--with",
        "3",
        "--audio",
        str(tmp_path / "x.wav"),
    )
    assert code != 0 and "said nothing" in err
    assert not (tmp_path / "x.wav").exists()


def test_a_code_display_takes_no_chords(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    display = DeviceFile(
        serial=make_serial("code_display", 1),
        kind="code_display",
        algorithm="totp",
        secret=Secret(SECRET),
    )
    display.dump(tmp_path / f"{display.serial}.json")
    code, _, err = cli(
        capsys, "device", "press", display.serial, "--dir", str(tmp_path), "--with", "9"
    )
    assert code != 0 and "one button and no sound" in err


@pytest.mark.parametrize("state", ["on", {"said": ["hello", "x"]}, {"display": "\u0000"}])
def test_the_cli_names_a_device_file_it_cannot_read(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, state: object
) -> None:
    device = reader(tmp_path)
    data = device.to_json()
    data["reader"] = state
    assert device.path is not None
    device.path.write_text(json.dumps(data))
    code, _, err = cli(capsys, "device", "press", device.serial, "--dir", str(tmp_path))
    assert code != 0 and "cannot be read" in err and "reader" in err
    assert json.loads(device.path.read_text())["reader"] == state  # left as it was
