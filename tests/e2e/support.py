"""What the end-to-end tests share: the device emulators in a tab, axe, and focus checks."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import BrowserContext, Page, expect

from segl import clock
from segl.emulators.device_file import DeviceFile

BASE_URL = os.environ["SEGL_BASE_URL"]
# The NSIS URI a login with a code display and a password reaches for an identity proofed at
# substantial; written out, since the test checks what goes over the wire.
NSIS_SUBSTANTIAL = "https://data.gov.dk/concept/core/nsis/Substantial"
PERIOD = 30
SIX_DIGITS = re.compile(r"^[0-9]{6}$")


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


class PageReport:
    """Collects what each page gets wrong, so that one run reports every page at once: axe-core's
    violations, and sideways scrolling at the page's width (WCAG 1.4.10 Reflow)."""

    def __init__(self) -> None:
        self.axe = Axe()
        self.problems: list[str] = []
        self.checked: list[str] = []

    def check(self, page: Page, name: str) -> None:
        lang = page.locator("html").get_attribute("lang")
        width = page.viewport_size["width"] if page.viewport_size else "?"
        label = f"{name} [{lang}, {width}px] {page.url}"
        self.checked.append(label)
        results = self.axe.run(page)
        if results.violations_count:
            self.problems.append(f"=== {label}\n" + results.generate_report().strip())
        sideways = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if sideways > 0:
            self.problems.append(
                f"=== {label}\nThe page scrolls sideways by {sideways}px (WCAG 1.4.10 Reflow); "
                f"wider than the window: {', '.join(wider_than_window(page))}"
            )

    def assert_clean(self) -> None:
        assert not self.problems, (
            f"problems on {len(self.problems)} of the {len(self.checked)} pages checked:\n\n"
            + "\n\n".join(self.problems)
        )


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
