"""End-to-end fixtures: Debian's Chromium driven by Playwright against the live server, with
the demo data (Demo Bank, demo-anna, demo-bo) loaded into the test database for each test."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Playwright's sync API keeps an asyncio loop in the main thread, and Django refuses ORM calls
# from a thread with a running loop; fixtures here only ever call the ORM synchronously.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, sync_playwright

from tests.e2e.support import BASE_URL, Device

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # The browser's own offer to translate a Danish page (its language is not the browser's)
    # could leave the page answering no DevTools command ever again, one run in a few: a test
    # hung in whatever it asked next. Chromium adds this to Playwright's own list.
    "--disable-features=Translate",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test" / "screenshots"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix: None) -> None:
    """A test database of this run's own (when the e2e tests run by themselves), so that another
    test run on the same machine cannot drop tables under the live server."""
    from pytest_django.fixtures import _set_suffix_to_test_databases

    _set_suffix_to_test_databases(suffix=f"e2e{os.getpid()}")


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (see `make browser`)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Every page reports each Content-Security-Policy refusal (a Trusted Types sink included) to the
# test in a console message of its own, whatever else the browser logs about it.
# (A console message, not an exposed binding: a binding kept a held navigation from settling.)
VIOLATION = "CSP violation: "
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.effectiveDirective} refused`
    + ` ${event.blockedURI || "(inline)"} at ${event.sourceFile}:${event.lineNumber}:`
    + ` ${event.sample}`);
});
"""


@dataclass
class Journal:
    """What the browser complained about: script errors, CSP refusals, resources that failed.

    An error page's own status (a 404 page is meant to be a 404) is not a complaint. A CSP
    refusal fails every test, whether or not it asserts on ``errors``.
    """

    errors: list[str] = dataclasses.field(default_factory=list)
    violations: list[str] = dataclasses.field(default_factory=list)
    # Console errors a test expects of the browser itself (see ``allow``): not complaints.
    expected: list[str] = dataclasses.field(default_factory=list)

    def allow(self, text: str) -> None:
        """Take a console error that contains ``text`` as expected, not as a complaint."""
        self.expected.append(text)

    def attach(self, context: BrowserContext) -> None:
        """Watch every page the context opens from now on."""
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("page", self.watch)

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: {exc}"))
        page.on("console", lambda msg: self._console(page, msg))

    def _console(self, page: Page, msg: ConsoleMessage) -> None:
        if msg.type != "error":
            return
        if msg.text.startswith(VIOLATION):
            self.violations.append(f"{page.url}: {msg.text}")
        failed_load = msg.text.startswith("Failed to load resource")
        own_status = failed_load and msg.location.get("url") == page.url
        # The app API answers a refusal with a 4xx and a reason the app shows; not a fault.
        api_refusal = (
            failed_load and "/app/api/" in msg.location.get("url", "") and "status of 4" in msg.text
        )
        expected = any(text in msg.text for text in self.expected)
        if not (own_status or api_refusal or expected):
            self.errors.append(f"{page.url}: {msg.text} ({msg.location.get('url')})")


@pytest.fixture
def journal() -> Iterator[Journal]:
    journal = Journal()
    yield journal
    assert journal.violations == [], "the Content-Security-Policy refused:\n" + "\n".join(
        journal.violations
    )


@pytest.fixture
def context(
    browser: Browser, request: pytest.FixtureRequest, journal: Journal
) -> Iterator[BrowserContext]:
    context = browser.new_context(
        base_url=BASE_URL, locale="da-DK", viewport={"width": 1000, "height": 900}
    )
    context.set_default_timeout(10_000)
    journal.attach(context)
    yield context
    report = getattr(request.node, "report_call", None) or getattr(
        request.node, "report_setup", None
    )
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name)
        for number, page in enumerate(context.pages):
            if not page.is_closed():
                path = SCREENSHOTS / f"{name}-{number}.png"
                try:
                    page.screenshot(path=str(path), full_page=True)
                except Exception as exc:  # a screenshot must not hide the test's own failure
                    print(f"no screenshot of {page.url}: {exc}")
                else:
                    print(f"screenshot of {page.url}: {path}")
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


def set_language(context: BrowserContext, language: str) -> None:
    context.add_cookies([{"name": "django_language", "value": language, "url": BASE_URL}])


@dataclass
class Demo:
    """The loaded demo data, as the tests need it: who has which device, and where its file is."""

    context: BrowserContext
    device_dir: Path
    serials: dict[tuple[str, str], str]

    def device(self, user_id: str, kind: str = "code_display") -> Device:
        serial = self.serials[(user_id, kind)]
        return Device(self.context, serial, self.device_dir / f"{serial}.json")


@pytest.fixture
def demo(
    live_server: Any,
    transactional_db: None,
    config: Any,
    tmp_path: Path,
    context: BrowserContext,
) -> Demo:
    """Demo Bank and the demo identities, with fresh devices for every test.

    The database is flushed between tests but files are not, so each test gets its own device
    directory and chip allow-list (the factory numbers serials after the files it finds, and
    never replaces one).
    """
    from segl.authenticators.models import Authenticator
    from segl.demo import load_demo

    assert live_server.url == BASE_URL, "the issuer in the tokens must be the live server"
    device_dir = tmp_path / "factory" / "devices"
    # The demo's allow-list of chip models too: it accepts Chromium's virtual authenticator,
    # which the shared test data folder must not, for the tests of production's checks.
    config(device_dir=device_dir, chip_models=tmp_path / "chip-models")
    load_demo(now=datetime.now(UTC))
    serials = {
        (a.identity.user_id, a.kind): a.device.serial
        for a in Authenticator.objects.filter(status="active", device__isnull=False).select_related(
            "identity", "device"
        )
    }
    assert ("demo-anna", "code_display") in serials, serials
    return Demo(context=context, device_dir=device_dir, serials=serials)
