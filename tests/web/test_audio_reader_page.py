"""The audio code reader's emulator page: the keys as a form and as JSON, its voice as a WAV
file, and bad input refused without a change to the device."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from segl import clock
from segl.emulators import make_batch

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(config, tmp_path: Path) -> str:
    (serial,) = make_batch("audio_code_reader", 1, tmp_path, passphrase=b"p").serials
    config(demo=True, device_dir=tmp_path / "devices")
    return serial


def device_file(config_dir: Path, serial: str) -> dict:
    return json.loads((config_dir / "devices" / f"{serial}.json").read_text())


def keys(client, serial: str, pressed: str):
    return client.post(f"/emulator/{serial}/", {"keys": pressed}, HTTP_ACCEPT="application/json")


def test_the_page_has_a_keypad_with_the_red_button_at_the_bottom_right(client, reader):
    page = client.get(f"/emulator/{reader}/").content.decode()
    keypad = page.split('class="keypad"')[1].split("</div>")[0]
    order = [part.split('"')[0] for part in keypad.split('name="key" value="')[1:]]
    assert order == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "red"]
    assert "Red button" in keypad and 'aria-keyshortcuts="R"' in keypad
    assert 'role="status"' in page and "one raised dot" in page


def test_the_red_button_shows_the_code_and_the_page_plays_it(client, reader, tmp_path):
    clock.freeze()
    state = keys(client, reader, "red").json()
    code = device_file(tmp_path, reader)["reader"]["code"]
    assert (state["event"], state["display"], state["seconds_left"]) == ("code", code, 20)
    assert f"{code[:3]} {code[3:]}" in state["announce"]
    sound = client.get(state["audio"])
    assert sound.status_code == 200 and sound["Content-Type"] == "audio/wav"
    assert sound.content.startswith(b"RIFF") and b"WAVE" in sound.content[:12]
    assert sound["Cache-Control"] == "no-store"


def test_settings_change_by_chord_and_are_said(client, reader, tmp_path):
    state = keys(client, reader, "red+9").json()
    assert (state["event"], state["volume"], state["display"]) == ("volume", 6, "VOL 6")
    assert state["announce"] == "Volume 6 of 9."
    state = keys(client, reader, "red+1").json()
    assert (state["language"], state["announce"]) == ("English", "The reader now speaks English.")
    assert device_file(tmp_path, reader)["language"] == "en"


def test_without_javascript_the_hold_checkbox_makes_the_chord(client, reader, tmp_path):
    page = client.post(f"/emulator/{reader}/", {"key": "6", "hold": "1"}).content.decode()
    assert "Reading speed 4 of 5." in page
    assert device_file(tmp_path, reader)["speed"] == 4
    page = client.post(f"/emulator/{reader}/", {"key": "6"}).content.decode()
    assert "A number does nothing on its own" in page
    assert device_file(tmp_path, reader)["speed"] == 4


def test_the_display_is_empty_once_it_turned_itself_off(client, reader):
    clock.freeze()
    code = keys(client, reader, "red").json()["display"]
    assert code in client.get(f"/emulator/{reader}/").content.decode()
    clock.move(timedelta(seconds=20))
    page = client.get(f"/emulator/{reader}/").content.decode()
    assert code not in page and 'data-seconds-left="0"' in page


@pytest.mark.parametrize("pressed", ["", "blue", "red+10", "red+red"])
def test_other_keys_are_refused_and_change_nothing(client, reader, tmp_path, pressed):
    before = device_file(tmp_path, reader)
    answer = keys(client, reader, pressed)
    assert answer.status_code == 400 and "red button" in answer.json()["error"]
    page = client.post(f"/emulator/{reader}/", {"key": pressed or "x"})
    assert page.status_code == 400 and "red button" in page.content.decode()
    assert device_file(tmp_path, reader) == before


def test_nothing_said_is_no_sound(client, reader):
    assert client.get(f"/emulator/{reader}/speech.wav").status_code == 404
    keys(client, reader, "red")
    keys(client, reader, "red")  # off
    assert client.get(f"/emulator/{reader}/speech.wav").status_code == 404


def test_a_code_display_has_no_sound_and_no_chords(client, config, tmp_path):
    (serial,) = make_batch("code_display", 1, tmp_path, passphrase=b"p").serials
    config(demo=True, device_dir=tmp_path / "devices")
    assert client.get(f"/emulator/{serial}/speech.wav").status_code == 404
    page = client.get(f"/emulator/{serial}/").content.decode()
    assert "keypad" not in page


def test_the_reader_page_is_the_demos_only(client, reader, config):
    config(demo=False)
    assert client.get(f"/emulator/{reader}/").status_code == 404
    assert keys(client, reader, "red").status_code == 404
    assert client.get(f"/emulator/{reader}/speech.wav").status_code == 404


def edit_device_file(folder: Path, serial: str, **changes: object) -> None:
    """Change a device file by hand, as a developer with an editor might."""
    path = folder / "devices" / f"{serial}.json"
    data = json.loads(path.read_text())
    data.update(changes)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize(
    "state",
    [
        "on",
        {"said": ["hello", "x"]},
        {"said": "ab"},
        {"said": ["code", "12\u00003"]},
        {"display": "\ud800"},
        {"said": ["volume", "\x1b[2J"]},
    ],
    ids=["not-an-object", "unknown-saying", "said-as-text", "nul", "lone-surrogate", "escape"],
)
def test_a_device_file_with_a_bad_reader_state_gets_a_clear_error(client, reader, tmp_path, state):
    edit_device_file(tmp_path, reader, reader=state)
    for url in (f"/emulator/{reader}/", f"/emulator/{reader}/speech.wav"):
        answer = client.get(url)
        assert answer.status_code == 409, url
        assert "cannot be read" in answer.content.decode(), url
    assert keys(client, reader, "red").status_code == 409


def test_a_device_file_that_is_not_json_gets_a_clear_error(client, reader, tmp_path):
    (tmp_path / "devices" / f"{reader}.json").write_bytes(b"\xff{not json")
    answer = client.get(f"/emulator/{reader}/")
    assert answer.status_code == 409 and "cannot be read" in answer.content.decode()


def test_presses_at_once_are_taken_one_at_a_time(client, reader, tmp_path):
    """Two presses at the same moment (a quick double click) both count: each waits for the
    device file the other wrote."""
    from concurrent.futures import ThreadPoolExecutor

    from django.test import Client

    def up(_: int) -> int:
        return keys(Client(), reader, "red+9").status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(up, range(4))) == [200] * 4
    assert device_file(tmp_path, reader)["volume"] == 9
