"""The audio code reader's emulator in Chromium: the nine functions by keyboard alone (hold R and
press a digit), by pointer with the hold checkbox, its voice playing in the page, and its
20-second sleep on the page's own timer."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from segl.emulators.device_file import DeviceFile
from tests.e2e.conftest import Demo, set_language
from tests.e2e.support import PageReport

pytestmark = pytest.mark.e2e

SIX_DIGITS = re.compile(r"^[0-9]{6}$")


def chord(page: Page, digit: str | None = None) -> None:
    """The red button (R) alone, or held while ``digit`` is pressed."""
    page.keyboard.down("r")
    if digit is not None:
        page.keyboard.press(digit)
    page.keyboard.up("r")


def audio_becomes(page: Page, script: str) -> None:
    """Wait until ``script`` (a function of the audio element) is true; evaluated without eval,
    which the page's Content-Security-Policy forbids."""
    audio = page.locator("[data-speech]")
    for _ in range(100):
        if audio.evaluate(script):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"the audio element never satisfied {script}")


def spaced(code: str) -> str:
    return f"{code[:3]} {code[3:]}"


def test_the_nine_functions_by_keyboard_alone(page: Page, demo: Demo) -> None:
    set_language(page.context, "en")
    reader = demo.device("demo-bo", "audio_code_reader")
    page.clock.install()
    page.goto(reader.url)
    lcd, status = page.locator("[data-lcd]"), page.locator("[data-announce]")
    audio = page.locator("[data-speech]")
    expect(lcd).to_have_text("")

    # 1. The red button alone: shows and reads the code.
    chord(page)
    expect(lcd).to_have_text(SIX_DIGITS)
    code = lcd.inner_text()
    expect(status).to_have_text(f"The display shows the one-time code {spaced(code)}.")
    expect(audio).to_have_attribute("src", re.compile(r"/speech\.wav\?v="))
    audio_becomes(page, "a => a.duration > 0.5")
    # 2. Red + 0: the same code again.
    chord(page, "0")
    expect(status).to_have_text(f"The one-time code again: {spaced(code)}.")
    # 3./4. Volume up and down.
    chord(page, "9")
    expect(page.locator("[data-setting=volume]")).to_have_text("6")
    expect(lcd).to_have_text("VOL 6")
    chord(page, "7")
    chord(page, "7")
    expect(page.locator("[data-setting=volume]")).to_have_text("4")
    # 5./6. Speed down and up.
    chord(page, "4")
    expect(page.locator("[data-setting=speed]")).to_have_text("2")
    chord(page, "6")
    expect(page.locator("[data-setting=speed]")).to_have_text("3")
    # 7. Danish <-> English.
    chord(page, "1")
    expect(page.locator("[data-setting=language]")).to_have_text("English")
    expect(status).to_have_text("The reader now speaks English.")
    # 9. The serial number.
    chord(page, "5")
    expect(status).to_contain_text(f"Serial number: {reader.serial[:2]} {reader.serial[2:5]}")
    # The device file holds what was set, as a real device keeps it.
    saved = DeviceFile.load(reader.path)
    assert (saved.volume, saved.speed, saved.language) == (4, 3, "en")
    # 8. The red button while on turns it off...
    chord(page)
    expect(lcd).to_have_text("")
    expect(status).to_have_text("The audio code reader is off.")
    # ...and so do 20 seconds untouched.
    chord(page)
    expect(lcd).to_have_text(SIX_DIGITS)
    page.clock.fast_forward(19_000)
    expect(lcd).to_have_text(SIX_DIGITS)
    page.clock.fast_forward(1_500)
    expect(lcd).to_have_text("")
    expect(status).to_have_text("The audio code reader is off.")


def test_a_number_alone_tells_how_to_hold_the_red_button(page: Page, demo: Demo) -> None:
    set_language(page.context, "en")
    page.goto(demo.device("demo-bo", "audio_code_reader").url)
    page.keyboard.press("9")
    expect(page.locator("[data-announce]")).to_contain_text("hold the red button (R")
    expect(page.locator("[data-setting=volume]")).to_have_text("5")


def test_by_pointer_the_hold_checkbox_makes_the_chords(page: Page, demo: Demo) -> None:
    reader = demo.device("demo-bo", "audio_code_reader")
    page.goto(reader.url)
    page.locator("[data-red]").click()
    expect(page.locator("[data-lcd]")).to_have_text(SIX_DIGITS)
    page.locator("[data-hold]").check()
    page.locator(".keypad button[value='9']").click()
    page.locator(".keypad button[value='9']").click()
    expect(page.locator("[data-setting=volume]")).to_have_text("7")
    page.locator("[data-hold]").uncheck()
    page.locator("[data-red]").click()
    expect(page.locator("[data-lcd]")).to_have_text("")


def test_play_at_once_plays_what_it_says(page: Page, demo: Demo) -> None:
    page.goto(demo.device("demo-bo", "audio_code_reader").url)
    audio = page.locator("[data-speech]")
    # Nothing plays by itself...
    chord(page)
    expect(audio).to_have_attribute("src", re.compile(r"speech\.wav"))
    assert audio.evaluate("a => a.paused")
    # ...until the person asks for it.
    page.locator("[data-play-at-once]").check()
    chord(page, "0")
    audio_becomes(page, "a => !a.paused")


@pytest.mark.parametrize(("language", "width"), [("da", 320), ("en", 1280)])
def test_the_reader_page_passes_axe(page: Page, demo: Demo, language: str, width: int) -> None:
    set_language(page.context, language)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(demo.device("demo-bo", "audio_code_reader").url)
    report = PageReport(themes=language == "da")
    report.check(page, "audio code reader")
    chord(page)
    expect(page.locator("[data-lcd]")).to_have_text(SIX_DIGITS)
    report.check(page, "audio code reader, on")
    report.assert_clean()
