"""Errors a citizen can run into, as the browser shows them: a wrong or missing one-time code
(GOV.UK error summary, linked to the field), and cancelling, which returns to Demo Bank."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Demo, Journal, set_language

pytestmark = pytest.mark.e2e


def to_code_page(page: Page, user_id: str = "demo-anna") -> None:
    page.goto("/demo-bank/")
    page.get_by_role("button", name="Log in with segl").click()
    page.get_by_label("User ID").fill(user_id)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("One-time code")).to_be_visible()


def expect_error_on_field(page: Page, field_id: str, message: str) -> None:
    """The error summary has focus, names the error and links to the field, which says the same
    and points at its hint and its error message."""
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary.get_by_role("alert")).to_contain_text("There is a problem")
    expect(summary).to_be_focused()
    link = summary.get_by_role("link")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", f"#{field_id}")
    expect(link).to_contain_text(message)

    field = page.locator(f"#{field_id}")
    expect(field).to_have_attribute("aria-invalid", "true")
    error = page.locator(f"#{field_id}-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text(message)
    described_by = (field.get_attribute("aria-describedby") or "").split()
    assert f"{field_id}-error" in described_by, described_by
    missing = [i for i in described_by if page.locator(f"[id='{i}']").count() != 1]
    assert not missing, f"aria-describedby of #{field_id} names ids not on the page: {missing}"


def test_a_missing_or_wrong_code_is_explained_next_to_the_field(
    page: Page, demo: Demo, journal: Journal
) -> None:
    set_language(page.context, "en")
    anna = demo.device("demo-anna")
    to_code_page(page)
    hint = page.locator("#id_code-hint")
    expect(hint).to_contain_text("Press the button on the code display")

    page.get_by_role("button", name="Continue").click()
    expect_error_on_field(page, "id_code", "Enter the 6-digit one-time code")
    expect(hint).to_contain_text("Press the button on the code display")

    page.get_by_label("One-time code").fill(anna.wrong_code())
    page.get_by_role("button", name="Continue").click()
    expect_error_on_field(page, "id_code", "The one-time code is not correct")
    # The hint says how to get a code; it must stay when the code was wrong.
    expect(hint).to_contain_text("Press the button on the code display")
    page.locator("[data-error-summary] a").click()
    expect(page.get_by_label("One-time code")).to_be_focused()

    # A wrong code does not end the login: the right one still works.
    code = anna.press()
    page.bring_to_front()
    page.get_by_label("One-time code").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_label("Password", exact=True)).to_be_visible()
    expect(page.locator("[data-error-summary]")).to_have_count(0)
    assert journal.errors == []


def test_the_error_summary_takes_focus_again_after_its_link_was_used(
    page: Page, demo: Demo, journal: Journal
) -> None:
    set_language(page.context, "en")
    anna = demo.device("demo-anna")
    to_code_page(page)
    code_field = page.get_by_label("One-time code")
    code_field.fill(anna.wrong_code())
    page.get_by_role("button", name="Continue").click()
    page.locator("[data-error-summary] a").click()
    expect(code_field).to_be_focused()

    # A second wrong code: the new error summary must be announced and focused again.
    code_field.fill(anna.wrong_code())
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert journal.errors == []


def test_cancel_on_the_code_page_returns_to_demo_bank_with_the_error(
    page: Page, demo: Demo, journal: Journal
) -> None:
    set_language(page.context, "en")
    to_code_page(page)
    flow_url = page.url

    page.get_by_role("button", name="Cancel", exact=True).click()

    page.wait_for_url(re.compile(r"/demo-bank/callback/\?.*error=access_denied"))
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("The login did not complete")
    expect(summary).to_contain_text("cancelled")
    expect(summary).to_be_focused()
    expect(page.get_by_role("heading", name=re.compile("^Welcome"))).to_have_count(0)
    # The citizen can start again from there.
    expect(page.get_by_role("button", name="Log in with segl")).to_be_visible()

    # The cancelled login stays cancelled: its page says so, and nothing can be approved.
    page.goto(flow_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancelled")
    expect(page.get_by_label("One-time code")).to_have_count(0)
    assert journal.errors == []
