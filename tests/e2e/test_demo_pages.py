"""The pages no journey passes through on its way: the demo's own pages (the device list, the
phone, the documents), the portal's mobile number, the desk's choice of centre and a face
waiting for review. Each in Danish and English, at 320 and 1280 pixels, in forced colours."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from segl.centres.staff import staff_grant
from segl.identities.models import Identity
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import PageReport, desk_login
from tests.e2e.test_portal import portal_login
from tests.e2e.test_proofing import DORTE, phones, prove  # noqa: F401 - phones is a fixture

pytestmark = pytest.mark.e2e


def test_the_demo_pages_pass_axe(
    page: Page,
    demo: Demo,
    journal: Journal,
    phones,  # noqa: F811
) -> None:
    set_language(page.context, "en")
    report = PageReport()
    for path, name in (
        ("/emulator/", "device list"),
        ("/emulator/phone/", "the demo's phone"),
        ("/emulator/documents/", "passports and ID cards"),
    ):
        page.goto(path)
        report.check_in_both_languages(page, name)

    portal_login(page, demo.device("demo-anna"), "demo-anna")
    page.goto("/portal/phone/")
    expect(page.locator("#id_phone")).to_be_visible()
    report.check_in_both_languages(page, "portal: mobile number")
    page.get_by_role("button", name="Log out").first.click()

    # A face waiting for review, and staff of two centres choosing where they work today.
    app = phones()
    prove(app, DORTE, face="Show another face")
    page.bring_to_front()
    desk_login(page, demo.device("demo-olivia"), "demo-olivia")
    olivia = Identity.objects.get(user_id="demo-olivia")
    staff_grant(
        identity=olivia, centre="aarhus", role="operator", now=datetime.now(UTC), actor="test"
    )
    page.goto("/desk/centre/")
    report.check_in_both_languages(page, "desk: choose the centre")
    page.locator("#centre-kbh-vesterbro").check()
    page.locator("main form button[type=submit]").click()
    page.goto("/desk/reviews/")
    page.locator("main a[href^='/desk/reviews/']:not([href='/desk/reviews/'])").first.click()
    expect(page.locator("main img").first).to_be_visible()
    report.check_in_both_languages(page, "desk: a face to review")
    report.assert_clean()
    assert journal.errors == []
