"""The whole journey with a mouse, as a citizen at Demo Bank does it (DESIGN.md §3, "Login /
approve at an RP"): Demo Bank, segl's pages, the code display's emulator in a second tab, the
shield with a tick, and back at Demo Bank with claims it verified."""

from __future__ import annotations

import hashlib
import re

import pytest
from playwright.sync_api import Page, expect

from segl.demo import DEMO_PASSWORD
from segl.demo_rp.views import TRANSFER_TEXT
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import NSIS_SUBSTANTIAL, Device

pytestmark = pytest.mark.e2e

FLOW_URL = re.compile(r"/login/[^/]+/$")


def log_in(page: Page, device: Device, *, user_id: str, button: str, heading: str) -> None:
    page.goto("/demo-bank/")
    page.get_by_role("button", name=button).click()

    expect(page).to_have_url(FLOW_URL)
    expect(page.locator(".rp-name")).to_have_text("Demo Bank")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    page.get_by_label("User ID").fill(user_id)
    page.get_by_role("button", name="Continue").click()

    code_field = page.get_by_label("One-time code")
    expect(code_field).to_be_visible()
    expect(page.get_by_text("With your code display")).to_be_visible()
    code = device.press()
    page.bring_to_front()
    code_field.fill(code)
    page.get_by_role("button", name="Continue").click()

    password = page.get_by_label("Password", exact=True)
    expect(password).to_be_visible()
    password.fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()


def expect_shield_then_demo_bank(page: Page, heading: str) -> None:
    # The shield with a tick shows for a moment, then the browser returns by itself.
    expect(page.locator(".done img[src$='tick.svg']")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    page.wait_for_url("**/demo-bank/callback/?*")
    expect(page.get_by_role("heading", level=1)).to_have_text("Welcome, Anna Jensen")
    expect(page.locator("[data-verified]")).to_be_visible()


def expect_claims(page: Page) -> None:
    expect(page.locator('[data-claim="acr"]')).to_have_text(NSIS_SUBSTANTIAL)
    amr = set(re.findall(r"[a-z]+", page.locator('[data-claim="amr"]').inner_text()))
    assert {"otp", "pwd"} <= amr, amr
    expect(page.locator('[data-claim="name"]')).to_have_text("Anna Jensen")
    expect(page.locator('[data-claim="given_name"]')).to_have_text("Anna")
    expect(page.locator('[data-claim="family_name"]')).to_have_text("Jensen")
    assert page.locator('[data-claim="auth_time"]').inner_text().strip().isdigit()


def test_log_in_at_demo_bank(page: Page, demo: Demo, journal: Journal) -> None:
    set_language(page.context, "en")
    anna = demo.device("demo-anna")

    log_in(page, anna, user_id="demo-anna", button="Log in with segl", heading="Log on with segl")

    expect_shield_then_demo_bank(page, "You are logged on")
    expect_claims(page)
    expect(page.locator("[data-approved-text]")).to_have_count(0)
    assert journal.errors == []


def test_approve_a_transfer(page: Page, demo: Demo, journal: Journal) -> None:
    set_language(page.context, "en")
    anna = demo.device("demo-anna")

    page.goto("/demo-bank/")
    page.get_by_role("button", name="Approve a transfer with segl").click()
    page.get_by_label("User ID").fill("demo-anna")
    page.get_by_role("button", name="Continue").click()

    # What the citizen is about to approve is on the page where they use the device.
    expect(page.get_by_label("One-time code")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Approve with segl")
    approval = page.get_by_role("region", name="Read what you are about to approve")
    expect(approval).to_be_visible()
    expect(approval.locator(".approval-text")).to_have_text(TRANSFER_TEXT)
    expect(approval).to_contain_text("Demo Bank")
    code = anna.press()
    page.bring_to_front()
    page.get_by_label("One-time code").fill(code)
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".approval-text")).to_have_text(TRANSFER_TEXT)
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Continue").click()

    expect_shield_then_demo_bank(page, "You have approved")
    expect_claims(page)
    expect(page.locator("[data-approved-text]")).to_have_text(TRANSFER_TEXT)
    # The hash in the verified ID token is of the exact text shown.
    expect(page.locator('[data-claim="segl_approval_sha256"]')).to_have_text(
        hashlib.sha256(TRANSFER_TEXT.encode()).hexdigest()
    )
    assert journal.errors == []
