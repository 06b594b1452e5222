"""The URL map, page by page: which test checks each page segl shows (axe, reflow at 320 and
1280 pixels, forced colours, in both languages), and why each other URL is no page.

``tests/web/test_every_page_is_checked.py`` fails when a URL is in neither table, so a new page
cannot be missed; ``PageReport.assert_clean`` fails when a test named here did not check its
pages, so the table cannot claim a check that does not happen.
"""

from __future__ import annotations

import os
from urllib.parse import urlparse

from django.urls import Resolver404, resolve

ACCESSIBILITY = "tests/e2e/test_accessibility.py::test_every_page_passes_axe_and_reflows"
PORTAL = "tests/e2e/test_portal_accessibility.py::test_every_portal_page_passes_axe_and_reflows"
DESK = "tests/e2e/test_desk_accessibility.py::test_every_desk_page_passes_axe"
APP = "tests/e2e/test_app_accessibility.py::test_every_app_page_passes_axe_and_reflows"
PROOFING = "tests/e2e/test_proofing.py::test_every_proofing_page_passes_axe_and_reflows"
READER = "tests/e2e/test_audio_reader.py::test_the_reader_page_passes_axe"
DEMO_PAGES = "tests/e2e/test_demo_pages.py::test_the_demo_pages_pass_axe"
WCAG22 = "tests/e2e/test_wcag22.py::test_a_page_of_each_kind_meets_wcag_22_aa"
CHIP = "tests/e2e/test_chip.py::test_order_activate_and_log_in_at_high_with_a_chip"

# Each page a person sees, and the test that checks it (in Danish and in English).
PAGES: dict[str, str] = {
    "home": ACCESSIBILITY,
    "accessibility": WCAG22,
    "flows:step": ACCESSIBILITY,
    "flows:method": ACCESSIBILITY,
    "demo_rp:home": ACCESSIBILITY,
    "demo_rp:callback": ACCESSIBILITY,
    "app:home": APP,
    "portal:home": PORTAL,
    "portal:order": PORTAL,
    "portal:order_confirm": PORTAL,
    "portal:order_status": PORTAL,
    "portal:activate": PORTAL,
    "portal:activate_device": PORTAL,
    "portal:activate_chip": CHIP,
    "portal:activate_chip_connect": CHIP,
    "portal:authenticator": PORTAL,
    "portal:authenticator_action": PORTAL,
    "portal:password": PORTAL,
    "portal:user_id": PORTAL,
    "portal:history": PORTAL,
    "portal:not_me": PORTAL,
    "portal:book": PORTAL,
    "portal:appointment": PORTAL,
    "portal:phone": DEMO_PAGES,
    "desk:login": DESK,
    "desk:home": DESK,
    "desk:visit": DESK,
    "desk:approval": DESK,
    "desk:centre": DEMO_PAGES,
    "desk:stock": DESK,
    "desk:log": DESK,
    "desk:staff": DESK,
    "desk:fulfilment": DESK,
    "desk:reviews": DESK,
    "desk:review": DEMO_PAGES,
    "display:display": DESK,
    "emulators:device": READER,
    "emulators:list": DEMO_PAGES,
    "emulators:phone": DEMO_PAGES,
    "emulators:documents": DEMO_PAGES,
    "notify:unsubscribe": ACCESSIBILITY,
}

# Every other URL, and what it is instead of a page.
NOT_PAGES: dict[str, str] = {
    "healthz": "JSON for load balancers",
    "notify:sms-receipt": "JSON API for the SMS provider's delivery receipts (POST)",
    "metrics": "Prometheus text",
    "set_language": "POST, redirects back",
    "javascript-catalog": "JavaScript",
    "oauth2_provider:authorize": "redirects to the login (or back to the RP with an error)",
    "oauth2_provider:finish": "redirects back to the RP",
    "oauth2_provider:token": "JSON API",
    "oauth2_provider:user-info": "JSON API",
    "oauth2_provider:oidc-connect-discovery-info": "JSON",
    "oauth2_provider:jwks-info": "JSON",
    "oauth2_provider:revoke-token": "API",
    "flows:cancel": "POST, redirects back to the RP",
    "flows:retry": "POST, redirects to the step",
    "flows:app-qr": "an SVG picture in the app step (whose page is checked)",
    "flows:app-status": "JSON for the app step's script",
    "flows:chip-options": "JSON for the chip step's script (POST)",
    "app:manifest": "JSON",
    "app:worker": "JavaScript",
    "portal:login": "redirects to segl's login",
    "portal:callback": "redirects into the portal",
    "portal:logout": "POST, redirects",
    "portal:order_cancel": "POST, redirects to the order",
    "portal:change_cancel": "POST, redirects",
    "portal:fulfilment": "redirects to the desk's fulfilment page (moved there)",
    "desk:callback": "redirects into the desk",
    "desk:logout": "POST, redirects",
    "desk:visit_new": "POST, redirects to the visit",
    "desk:document": "POST, redirects to the visit",
    "desk:ask": "POST, redirects",
    "desk:end": "POST, redirects",
    "desk:pair": "POST, redirects to the visit",
    "desk:ask_display": "POST, redirects to the visit",
    "desk:display_state": "JSON for the visit page's script",
    "desk:device": "POST, redirects to the visit",
    "desk:chip": "POST, redirects to the visit",
    "desk:no_photo_id": "POST, redirects to the visit",
    "desk:letter": "POST, redirects to the visit",
    "desk:app_code": "POST, redirects to the visit",
    "desk:pickup": "POST, redirects to the visit",
    "display:version": "JSON for the display's script",
    "emulators:face": "a JPEG picture",
    "emulators:document": "a document file to download",
    "emulators:speech": "a WAV file the reader page plays",
    "demo_rp:start": "POST, redirects to segl",
}
API_PREFIXES = ("app:", "proofing:")  # the app's JSON API and its OpenAPI files


def view_name(url: str) -> str:
    """The URL map's name for the page at ``url``."""
    try:
        return resolve(urlparse(url).path).view_name
    except Resolver404:
        return f"(no view: {urlparse(url).path})"


def pages_of_current_test() -> set[str]:
    """The pages ``PAGES`` says the running test checks."""
    current = os.environ.get("PYTEST_CURRENT_TEST", "")
    test = current.split(" ")[0].split("[")[0]
    return {name for name, checker in PAGES.items() if checker == test}
