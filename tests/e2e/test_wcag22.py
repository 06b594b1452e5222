"""WCAG 2.2 AA beyond what axe-core finds by itself, on a page of each kind: Demo Bank, the login's
user ID step and its one-time code step with an error, the portal's landing page, the code
display's and the audio code reader's emulator pages, the desk's login page, the app's first
screen and the accessibility statement; in Danish on a phone and in English on a desktop.

On each page: axe-core with the WCAG 2.2 A/AA tags in the light and the dark theme
(``prefers-color-scheme: dark``), controls that keep an edge in forced colours, no text cut off
with WCAG 1.4.12's text spacing, targets of 24x24 CSS px, focus visible with 3:1 in both themes
and never hidden, and nothing moving but a slow spinner under ``prefers-reduced-motion``.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import SIX_DIGITS, PageReport
from tests.e2e.wcag import (
    clipped_text,
    edgeless_controls,
    focus_problems,
    moving_things,
    small_targets,
)

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("language", "width"), [("da", 320), ("en", 1280)], ids=["da-phone", "en-desktop"]
)
def test_a_page_of_each_kind_meets_wcag_22_aa(
    page: Page, demo: Demo, journal: Journal, language: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    set_language(page.context, language)
    report = PageReport(themes=language == "da")

    def check(name: str) -> None:
        report.check(page, name)
        report.check_styles(page, name)

    page.goto("/demo-bank/")
    check("Demo Bank")

    page.locator("button[name=purpose][value=log_on]").click()
    expect(page.locator("#id_user_id")).to_be_visible()
    check("user ID")

    page.locator("#id_user_id").fill("demo-bo")
    page.locator("form[data-connecting] button[type=submit]").click()
    expect(page.locator("#id_code")).to_be_visible()
    page.locator("#id_code").fill(demo.device("demo-bo").wrong_code())
    page.locator("form[data-connecting] button[type=submit]").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    check("one-time code with an error")

    page.goto("/portal/")
    check("portal")

    code_display = demo.device("demo-bo", "code_display")
    page.goto(code_display.url)
    page.locator("form.device button").click()
    expect(page.locator("[data-lcd]")).to_have_text(SIX_DIGITS)
    check("code display emulator")

    page.goto(demo.device("demo-bo", "audio_code_reader").url)
    expect(page.locator(".keypad")).to_be_visible()
    check("audio code reader emulator")

    page.goto("/desk/login/")
    check("desk login")

    page.goto("/app/")
    expect(page.locator("a[href='#activate']")).to_be_visible()
    check("the app's first screen")

    page.goto("/accessibility/")
    check("accessibility statement")

    expect(page.locator("html")).to_have_attribute("lang", language)
    report.assert_clean()
    assert journal.errors == []


def test_the_checks_find_what_they_look_for(
    page: Page, live_server: object, transactional_db: None
) -> None:
    """A page spoiled on purpose fails every check: a button with no edge, a small target, text
    in a box too small for it, focus with no indicator, a fixed bar over a focused link, and a
    transition."""
    page.goto("/o/finish/nonexistent/")
    page.evaluate(
        """() => {
          const main = document.querySelector("main");
          const bare = document.createElement("button");
          bare.textContent = "bare";
          bare.id = "bare";
          Object.assign(bare.style, { border: "0", outline: "none", boxShadow: "none",
                                      width: "20px", height: "20px", padding: "0" });
          main.append(bare);
          const box = document.createElement("div");
          box.textContent = "A sentence in a box that is too small for it.";
          Object.assign(box.style, { height: "1.2em", width: "8em", overflow: "hidden" });
          main.append(box);
          const bar = document.createElement("div");
          bar.textContent = "fixed bar";
          Object.assign(bar.style, { position: "fixed", top: "0", left: "0", right: "0",
                                     height: "100vh", background: "#fff" });
          document.body.append(bar);
          const moving = document.createElement("p");
          moving.textContent = "moving";
          moving.style.transition = "opacity 1s";
          main.append(moving);
        }"""
    )
    page.emulate_media(forced_colors="active")
    assert any("#bare" in line for line in edgeless_controls(page))
    page.emulate_media(forced_colors="null")
    assert any("A sentence in a box" in line for line in clipped_text(page))
    assert any("#bare" in line and "20.0x20.0" in line for line in small_targets(page))
    focus = focus_problems(page)
    assert any("#bare" in line and "focus indicator" in line for line in focus), focus
    assert any("hidden under" in line and "fixed bar" in line for line in focus), focus
    page.emulate_media(reduced_motion="reduce")
    assert not any("moving" in line for line in moving_things(page)), "the reduce rule"
    page.evaluate(
        """() => {
          const sheet = new CSSStyleSheet();
          sheet.replaceSync("p { transition: opacity 1s !important; }");
          document.adoptedStyleSheets = [sheet];
        }"""
    )
    assert any("moving" in line and "transition" in line for line in moving_things(page))
