"""axe-core on every page of the journey, in Danish and in English: no violations allowed, and
no page that scrolls sideways, on a phone (320 CSS pixels, WCAG 1.4.10) or on a desktop.

The pages are reached as a citizen reaches them (demo-bo, who has two devices, so the
"Change identification method" page exists), and the language is switched with the button in
the header. Every page is checked before the test fails, so one run reports them all.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from segl.demo import DEMO_PASSWORD
from segl.notify.optout import unsubscribe_path
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import PageReport

pytestmark = pytest.mark.e2e

OTHER = {"da": "en", "en": "da"}


def submit_step(page: Page) -> None:
    page.locator("form[data-connecting] button[type=submit]").click()


@pytest.mark.parametrize(
    ("language", "width"), [("da", 320), ("en", 1000)], ids=["da-phone", "en-desktop"]
)
def test_every_page_passes_axe_and_reflows(
    page: Page, demo: Demo, journal: Journal, language: str, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    report = PageReport(themes=language == "da")
    html = page.locator("html")
    set_language(page.context, OTHER[language])
    page.goto("/demo-bank/")
    expect(html).to_have_attribute("lang", OTHER[language])
    log_on = page.locator("button[name=purpose][value=log_on]")
    words_before = log_on.inner_text()
    page.locator(".lang-switch button").click()
    expect(html).to_have_attribute("lang", language)
    assert page.url.endswith("/demo-bank/"), page.url
    assert log_on.inner_text() != words_before, "the language button changed lang, not words"
    report.check(page, "Demo Bank")

    log_on.click()
    expect(page.locator("#id_user_id")).to_be_visible()
    expect(html).to_have_attribute("lang", language)
    report.check(page, "user ID")

    page.locator("#id_user_id").fill("demo-bo")
    submit_step(page)
    expect(page.locator("#id_code")).to_be_visible()
    report.check(page, "one-time code")

    page.locator("a[href$='/method/']").click()
    # Every kind segl offers, whatever demo-bo has (decision 17).
    expect(page.locator("input[name=method]")).to_have_count(4)
    report.check(page, "change identification method")

    page.locator("input[name=method][value=code_display]").check()
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#id_code")).to_be_visible()
    bo = demo.device("demo-bo", "code_display")
    page.locator("#id_code").fill(bo.wrong_code())
    submit_step(page)
    expect(page.locator("[data-error-summary]")).to_be_visible()
    report.check(page, "one-time code with an error")

    code = bo.press()
    report.check(bo.tab(), "code display emulator")
    page.bring_to_front()
    page.locator("#id_code").fill(code)
    submit_step(page)
    expect(page.locator("#id_password")).to_be_visible()
    report.check(page, "password")

    # The shield returns to the RP by itself: its first try is answered "204 No Content" (the
    # browser stays on the page), so that the page cannot change under axe half way through.
    # axe needs the page's timers, so they cannot be frozen instead.
    returned: list[str] = []

    def stay(route: Route) -> None:
        returned.append(route.request.url)
        route.fulfill(status=204)

    page.route("**/o/finish/**", stay)
    page.locator("#id_password").fill(DEMO_PASSWORD)
    submit_step(page)
    expect(page.locator(".done img[src$='tick.svg']")).to_be_visible()
    for _ in range(100):
        if returned:
            break
        page.wait_for_timeout(50)
    assert returned, "the shield did not return to the RP by itself"
    report.check(page, "done")
    page.unroute("**/o/finish/**")
    page.locator("[data-continue-after]").click()
    page.wait_for_url("**/demo-bank/callback/?*")
    expect(page.locator("[data-verified]")).to_be_visible()
    report.check(page, "Demo Bank welcome")

    page.goto("/")
    expect(page.locator("table").first).to_contain_text("demo-bo")  # the demo identities
    report.check(page, "segl front page")

    page.goto("/o/finish/nonexistent/")
    expect(page.locator("h1")).to_be_visible()
    report.check(page, "error page")

    # The link in an e-mail that a citizen may switch off (List-Unsubscribe): what it does,
    # done, and a link segl did not make.
    page.goto(unsubscribe_path(f"bo.{language}@segl.example"))
    button = page.locator("main form button[type=submit]")
    expect(button).to_be_visible()
    report.check(page, "unsubscribe")
    button.click()
    expect(page.locator("[role=status]")).to_be_visible()
    report.check(page, "unsubscribed")
    page.goto("/notices/unsubscribe/not-a-link/")
    expect(page.locator("h1")).to_be_visible()
    report.check(page, "unsubscribe link that does not work")

    # Cancelling on the user ID page: Demo Bank shows the error.
    page.goto("/demo-bank/")
    page.locator("button[name=purpose][value=log_on]").click()
    expect(page.locator("#id_user_id")).to_be_visible()
    page.locator("button.link-button").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    report.check(page, "Demo Bank with an error")

    expect(html).to_have_attribute("lang", language)
    report.assert_clean()
    assert journal.errors == []


def test_the_page_checks_find_what_they_look_for(
    page: Page, live_server: object, transactional_db: None
) -> None:
    """axe runs inside segl's Content Security Policy, in both colour themes, and the reflow
    check measures: a page spoiled on purpose must fail all three."""
    page.goto("/o/finish/nonexistent/")
    page.evaluate(
        """() => {
          const main = document.querySelector("main");
          const image = document.createElement("img");
          image.src = "/static/segl/tick.svg";
          main.append(image);
          const wide = document.createElement("div");
          wide.style.width = "2000px";
          wide.textContent = "wide";
          main.append(wide);
        }"""
    )
    report = PageReport()
    report.check(page, "spoiled error page")
    missing_alt = [p.split("\n")[0] for p in report.problems if "image-alt" in p]
    sideways = [p.split("\n")[0] for p in report.problems if "scrolls sideways" in p]
    assert len(missing_alt) == 2, report.problems  # light at 320 pixels, dark at 1280
    assert any("dark]" in label for label in missing_alt), missing_alt
    assert len(sideways) == 2, report.problems
    assert len(report.problems) == 4, report.problems
