"""What the end-to-end tests share: the device emulators in a tab, axe, and focus checks."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from axe_playwright_python.base import AxeResults
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from segl import clock
from segl.emulators.device_file import DeviceFile
from tests.e2e.wcag import (
    clipped_text,
    edgeless_controls,
    focus_problems,
    moving_things,
    small_targets,
    stays_light,
)

BASE_URL = os.environ["SEGL_BASE_URL"]
# The NSIS URI a login with a code display and a password reaches for an identity proofed at
# substantial; written out, since the test checks what goes over the wire.
NSIS_SUBSTANTIAL = "https://data.gov.dk/concept/core/nsis/Substantial"
PERIOD = 30
SIX_DIGITS = re.compile(r"^[0-9]{6}$")


def leave(page: Page) -> None:
    """Send a page to about:blank, so its long-polls end before the test database goes away. A
    page that is navigating by itself just then (a login moving on once the app answered) is
    let arrive first, then left."""
    if page.is_closed():
        return
    for _ in range(3):
        try:
            page.goto("about:blank")
            return
        except PlaywrightError as exc:
            if "interrupted by another navigation" not in str(exc):
                raise
            page.wait_for_load_state()
    page.goto("about:blank")


def current_step() -> int:
    """The TOTP time step (RFC 6238 §4.2) of segl's clock, which the emulator pages use too."""
    return int(clock.now().timestamp()) // PERIOD


@dataclass
class Device:
    """One demo device: its emulator page, opened in its own tab as a citizen would.

    The server accepts each TOTP time step once, so before showing a code again the device
    moves segl's clock on to the next step: the live server runs in the test's process, and the
    emulator page and the server both read that clock (``segl.clock``), so no test sleeps.
    """

    context: BrowserContext
    serial: str
    path: Path
    last_step: int | None = None
    _tab: Page | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"/emulator/{self.serial}/"

    def tab(self) -> Page:
        if self._tab is None or self._tab.is_closed():
            self._tab = self.context.new_page()
            self._tab.goto(self.url)
        self._tab.bring_to_front()
        return self._tab

    def move_to_fresh_step(self) -> None:
        """Move segl's clock to the start of the step after the last code shown, if not there."""
        if self.last_step is None:
            return
        ahead = (self.last_step + 1) * PERIOD - clock.now().timestamp()
        if ahead > 0:
            clock.move(timedelta(seconds=ahead))

    def step_of(self, code: str) -> int:
        """The time step that shows ``code``, computed from the device file."""
        device = DeviceFile.load(self.path)
        now = current_step()
        for step in (now, now - 1, now + 1):
            if device.press(datetime.fromtimestamp(step * PERIOD, UTC)) == code:
                return step
        raise AssertionError(f"{self.serial} showed {code!r}, which is none of its recent codes")

    def lcd(self) -> str:
        return self.tab().locator("[data-lcd]").inner_text().strip()

    def read_code(self, press: Any) -> str:
        """Press the button with ``press(tab)`` and read the LCD; remember the step used."""
        self.move_to_fresh_step()
        tab = self.tab()
        # Pressing posts the form: read the LCD of the page that comes back.
        with tab.expect_navigation():
            press(tab)
        expect(tab.locator("[data-lcd]")).to_have_text(SIX_DIGITS)
        code = self.lcd()
        self.last_step = self.step_of(code)
        return code

    def press(self) -> str:
        """Click the button and read the code."""
        return self.read_code(lambda tab: tab.locator("form.device button").click())

    def press_red(self) -> str:
        """An audio code reader: press the red button (R on the keyboard) and read the LCD."""
        self.move_to_fresh_step()
        tab = self.tab()
        tab.reload()
        lcd = tab.locator("[data-lcd]")
        if lcd.inner_text().strip():  # on: the red button would turn it off first
            tab.keyboard.press("r")
            expect(lcd).to_have_text("")
        tab.keyboard.press("r")
        expect(lcd).to_have_text(SIX_DIGITS)
        code = self.lcd()
        self.last_step = self.step_of(code)
        return code

    def wrong_code(self) -> str:
        """A well-formed code that no nearby time step shows: the verifier accepts the steps
        either side of the current one, and the clock may move on a step before it is typed."""
        device = DeviceFile.load(self.path)
        now = current_step()
        shown = {
            device.press(datetime.fromtimestamp(step * PERIOD, UTC))
            for step in range(now - 2, now + 4)
        }
        return next(c for c in ("000000", "123456", "999999", "246802") if c not in shown)


# WCAG 2.2 AA and axe's best practices; target-size (2.5.8) is off in axe by default.
AXE_OPTIONS: dict[str, Any] = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "rules": {"target-size": {"enabled": True}},
    "resultTypes": ["violations"],
}
AXE_LIMIT = 60.0  # seconds; axe takes under two on segl's pages


def run_axe(page: Page, axe: Axe) -> AxeResults:
    """axe-core on the page, waited for from here: the run starts in the page and this side
    asks every 50 ms whether it has finished, so a run that never ends fails the test with what
    the page was doing instead of waiting forever."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe.axe_script)
    page.evaluate(
        """(options) => {
          window.__seglAxe = null;
          window.axe.run(document, options).then(
            (results) => { window.__seglAxe = {results}; },
            (error) => { window.__seglAxe = {error: String(error)}; },
          );
        }""",
        AXE_OPTIONS,
    )
    deadline = time.monotonic() + AXE_LIMIT
    while time.monotonic() < deadline:
        outcome = page.evaluate("() => window.__seglAxe === undefined ? 'gone' : window.__seglAxe")
        if outcome == "gone":  # the page loaded again meanwhile: ``check`` starts again
            raise PlaywrightError("Execution context was destroyed: the page loaded again")
        if outcome is not None:
            if "error" in outcome:
                raise AssertionError(f"axe-core failed on {page.url}: {outcome['error']}")
            return AxeResults(outcome["results"])
        page.wait_for_timeout(50)
    # What the page was doing: its timers and animation frames run, or they do not.
    page.evaluate(
        """() => { window.__seglTick = [];
          setTimeout(() => window.__seglTick.push("timer"), 10);
          requestAnimationFrame(() => window.__seglTick.push("frame")); }"""
    )
    page.wait_for_timeout(1000)
    state = page.evaluate(
        """() => ({visibility: document.visibilityState, ready: document.readyState,
          focus: document.hasFocus(), ran: window.__seglTick})"""
    )
    raise AssertionError(f"axe-core did not finish in {AXE_LIMIT:.0f} s on {page.url}: {state}")


# Every page is checked on a phone and on a desktop (WCAG 1.4.10 Reflow at 320 CSS pixels).
PHONE, DESKTOP = 320, 1280


class PageReport:
    """Collects what each page gets wrong, so that one run reports every page at once: axe-core's
    violations (WCAG 2.2 AA) and sideways scrolling in the light theme at 320 pixels and in the
    dark theme (``prefers-color-scheme: dark``) at 1280, and controls that vanish in forced
    colours (Windows high contrast).

    The test's own URL-map entry (``tests/e2e/pages.py``) names the pages it must check;
    ``assert_clean`` fails if one of them was not checked, so the map cannot go stale."""

    def __init__(self, *, themes: bool = True) -> None:
        # themes=False: the light theme on a phone only, for a journey checked in full in its
        # other language (the words change, the colours and controls do not).
        self.themes = themes
        self.axe = Axe()
        self.problems: list[str] = []
        self.checked: list[str] = []
        self.views: set[str] = set()

    def check(self, page: Page, name: str, *, themes: bool | None = None) -> None:
        """Check the page; if it reloads itself meanwhile (the desk and the customer display
        follow each other), check it again once it has loaded. ``themes=False``: the light
        theme on a phone only (the same page in its second language)."""
        themes = self.themes if themes is None else themes
        try:
            self._check(page, name, themes=themes)
        except PlaywrightError as exc:
            if "Execution context was destroyed" not in str(exc):
                raise
            page.wait_for_load_state()
            self._check(page, name, themes=themes)

    def _check(self, page: Page, name: str, *, themes: bool) -> None:
        from tests.e2e.pages import view_name

        # A page behind another gets no animation frames and slow timers.
        page.bring_to_front()
        lang = page.locator("html").get_attribute("lang")
        self.views.add(view_name(page.url))
        original = page.viewport_size or {"width": 1000, "height": 800}
        try:
            # Light on a phone, dark on a desktop: each theme once and each width once (the
            # colours do not change with the width, the layout does not with the theme).
            page.set_viewport_size({"width": PHONE, "height": original["height"]})
            self._check_at(page, f"{name} [{lang}, {PHONE}px] {page.url}")
            if themes:
                page.set_viewport_size({"width": DESKTOP, "height": original["height"]})
                page.emulate_media(color_scheme="dark")
                try:
                    self._check_at(page, f"{name} [{lang}, {DESKTOP}px, dark] {page.url}")
                finally:
                    page.emulate_media(color_scheme="null")
                self._check_forced_colours(page, f"{name} [{lang}, forced colours] {page.url}")
            self._check_autocomplete(page, f"{name} [{lang}] {page.url}")
        finally:
            page.set_viewport_size(original)

    def check_in_both_languages(self, page: Page, name: str) -> None:
        """Check a page reached by GET in Danish and in English (the language cookie, then a
        reload), and leave it in the language it was in. The second language changes only the
        words, so it is checked on a phone, where longer words would break the layout."""
        before = page.locator("html").get_attribute("lang") or "da"
        languages = ("da", "en") if before == "en" else ("en", "da")
        for language in languages:
            page.context.add_cookies(
                [{"name": "django_language", "value": language, "url": BASE_URL}]
            )
            page.reload()
            expect(page.locator("html")).to_have_attribute("lang", language)
            self.check(page, name, themes=self.themes and language == languages[0])

    def _check_at(self, page: Page, label: str) -> None:
        self.checked.append(label)
        self.run_axe(page, label)
        sideways = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if sideways > 0:
            self.problems.append(
                f"=== {label}\nThe page scrolls sideways by {sideways}px (WCAG 1.4.10 Reflow); "
                f"wider than the window: {', '.join(wider_than_window(page))}"
            )

    def _check_forced_colours(self, page: Page, label: str) -> None:
        page.emulate_media(forced_colors="active")
        try:
            invisible = edgeless_controls(page)
        finally:
            page.emulate_media(forced_colors="null")
        if invisible:
            self.problems.append(
                f"=== {label}\nControls without a visible edge in forced colours: "
                + ", ".join(invisible)
            )

    def _check_autocomplete(self, page: Page, label: str) -> None:
        wrong: list[str] = page.evaluate(WRONG_AUTOCOMPLETE)
        if wrong:
            self.problems.append(
                f"=== {label}\nFields password managers and the phone's code autofill cannot "
                "fill (WCAG 3.3.8 Accessible Authentication): " + ", ".join(wrong)
            )

    def run_axe(self, page: Page, label: str) -> None:
        # A page that reloads itself meanwhile is checked again by ``check``.
        results = run_axe(page, self.axe)
        if results.violations_count:
            self.problems.append(f"=== {label}\n" + results.generate_report().strip())

    def add(self, label: str, what: str, found: list[str]) -> None:
        """Another check's findings on the page ``label``: one line per element."""
        if found:
            self.problems.append(f"=== {label}\n{what}:\n  " + "\n  ".join(found))

    def check_styles(self, page: Page, name: str) -> None:
        """What axe leaves to people (``tests.e2e.wcag``), beside ``check`` (which looks at forced
        colours): text spacing, target sizes, focus in both themes, and reduced motion."""
        lang = page.locator("html").get_attribute("lang")
        width = page.viewport_size["width"] if page.viewport_size else "?"
        label = f"{name} [{lang}, {width}px] {page.url}"
        self.add(label, "text cut off with WCAG 1.4.12 text spacing", clipped_text(page))
        self.add(label, "targets smaller than 24x24 CSS px", small_targets(page))
        self.add(label, "focus (light theme)", focus_problems(page))
        page.emulate_media(color_scheme="dark")
        try:
            self.add(label, "no dark theme", stays_light(page))
            self.add(label, "focus (dark theme)", focus_problems(page))
        finally:
            page.emulate_media(color_scheme="null")
        page.emulate_media(reduced_motion="reduce")
        try:
            self.add(label, "motion under prefers-reduced-motion", moving_things(page))
        finally:
            page.emulate_media(reduced_motion="null")

    def assert_clean(self) -> None:
        from tests.e2e.pages import pages_of_current_test

        unchecked = pages_of_current_test() - self.views
        assert not unchecked, (
            f"tests/e2e/pages.py says this test checks {sorted(unchecked)}, which it did not"
        )
        assert not self.problems, (
            f"problems on {len(self.problems)} of the {len(self.checked)} pages checked:\n\n"
            + "\n\n".join(self.problems)
        )


# The user ID, password and one-time code fields say what they hold, so a password manager or
# the phone's code autofill can fill them in. Staff typing someone else's user ID at the desk
# (not the customer display) and the app's PIN codes are left out.
WRONG_AUTOCOMPLETE = """() => {
  const wrong = [];
  const fields = "input:not([type=hidden], [type=radio], [type=checkbox])";
  for (const el of document.querySelectorAll(fields)) {
    const label = (el.labels && el.labels[0] ? el.labels[0].innerText : "").trim();
    const has = (el.getAttribute("autocomplete") || "").trim();
    let want = null;
    if (el.type === "password" && !/pin/i.test(el.name)) {
      want = ["current-password", "new-password"];
    } else if (el.name === "user_id" && !location.pathname.startsWith("/desk/")) {
      want = ["username"];
    } else if (/one-time code|engangskode/i.test(label)) {
      want = ["one-time-code"];
    }
    if (want && !want.includes(has)) {
      const name = el.name || el.id;
      wrong.push(`${name}: autocomplete=${JSON.stringify(has)}, not ${want.join(" or ")}`);
    }
  }
  return wrong;
}"""


def wider_than_window(page: Page) -> list[str]:
    """The innermost elements that stick out of the window or overflow their own box."""
    found: list[str] = page.evaluate(
        """() => {
          const limit = document.documentElement.clientWidth + 0.5;
          const wide = (el) => el.getBoundingClientRect().right > limit
            || el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX === "visible"
               && getComputedStyle(el).display !== "inline";
          const out = [...document.body.querySelectorAll("*")].filter(
            (el) => wide(el) && ![...el.children].some(wide));
          return out.slice(0, 5).map((el) => {
            const cls = typeof el.className === "string" && el.className.trim()
              ? "." + el.className.trim().split(/\\s+/).join(".") : "";
            const text = (el.innerText || "").trim().slice(0, 40);
            return `<${el.tagName.toLowerCase()}${cls}> ${JSON.stringify(text)}`;
          });
        }"""
    )
    return found


# The focused element, and whether it looks different from an unfocused copy of itself: an
# unfocused clone next to it, with the same classes and parents, gets the same styles except
# for what focus changes.
FOCUS_SCRIPT = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const props = ["outline-style", "outline-width", "outline-color", "box-shadow",
                 "background-color", "color", "border-color", "text-decoration-line"];
  const styles = (node) => {
    const s = getComputedStyle(node);
    return Object.fromEntries(props.map((p) => [p, s.getPropertyValue(p)]));
  };
  const focused = styles(el);
  const clone = el.cloneNode(true);
  clone.removeAttribute("id");
  clone.removeAttribute("name");  // a checked radio's clone must not uncheck its group
  clone.setAttribute("tabindex", "-1");
  el.parentNode.insertBefore(clone, el.nextSibling);
  const plain = styles(clone);
  clone.remove();
  const transparent = (colour) => colour === "transparent" || /rgba\\(.*,\\s*0\\)$/.test(colour);
  const outline = focused["outline-style"] !== "none" && parseFloat(focused["outline-width"]) > 0
    && !transparent(focused["outline-color"]);
  const changed = props.filter((p) => focused[p] !== plain[p]);
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    name: el.getAttribute("name"),
    value: el.getAttribute("value"),
    type: el.getAttribute("type"),
    href: el.getAttribute("href"),
    summary: el.hasAttribute("data-error-summary"),
    text: (el.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 80),
    focusVisible: el.matches(":focus-visible"),
    indicator: outline || changed.some((p) => !p.startsWith("outline")),
    changed: changed,
  };
}"""


def focused(page: Page) -> dict[str, Any] | None:
    return page.evaluate(FOCUS_SCRIPT)


def tab_to(page: Page, matches: Any, *, limit: int = 25, key: str = "Tab") -> dict[str, Any]:
    """Press Tab until ``matches(focused element)``; every stop on the way must show its focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        info = focused(page)
        assert info is not None, f"focus was lost after {key} (stops so far: {seen})"
        seen.append(info["text"] or info["id"] or info["tag"])
        assert info["focusVisible"] and info["indicator"], f"focus is not visible on {info}"
        if matches(info):
            return info
    raise AssertionError(f"never reached the element by {key}; stops: {seen}")


def choose_file_by_keyboard(page: Page, path: Any, *, key: str = "Space") -> None:
    """Press ``key`` on the focused file input and choose ``path`` in the chooser it opens.

    Playwright starts intercepting file choosers when the first listener is added, without
    waiting for the browser to agree; a key pressed right after can open the chooser before
    that, and no event comes. So the page listens from ``listen_for_file_choosers``, called
    when it opened, and this only waits for the chooser."""
    with page.expect_file_chooser() as chosen:
        page.keyboard.press(key)
    chosen.value.set_files(path)


def listen_for_file_choosers(page: Page) -> Page:
    """Intercept the page's file choosers from now on (see ``choose_file_by_keyboard``)."""
    page.on("filechooser", lambda _chooser: None)
    return page


def desk_login(page: Page, device: Device, user_id: str, *, password: str = "") -> None:
    """Log in to the desk (in any language): it sends the browser to segl and back, like any
    RP; staff land on the desk, fulfilment staff on the fulfilment page."""
    from segl.demo import DEMO_PASSWORD

    page.goto("/desk/login/")
    page.locator("form[action$='/desk/login/'] button").click()
    log_in_at_segl(page, device, user_id, password or DEMO_PASSWORD)
    page.wait_for_url(re.compile(r"/desk/(fulfilment/)?$"))


def log_in_at_segl(page: Page, device: Device, user_id: str, password: str) -> None:
    """segl's login pages (in any language), where an RP sent the browser: the user ID, a code
    from the device, the password."""
    page.locator("#id_user_id").fill(user_id)
    page.locator("form[data-connecting] button[type=submit]").click()
    code = device.press()
    page.bring_to_front()
    page.locator("#id_code").fill(code)
    page.locator("form[data-connecting] button[type=submit]").click()
    page.locator("#id_password").fill(password)
    page.locator("form[data-connecting] button[type=submit]").click()
