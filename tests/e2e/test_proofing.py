"""Getting segl with a passport or ID card, end to end in Chromium (seeds 000, 001, 002): a phone
proofs a person with a CPR number and no segl with the demo's emulated documents, then step 5;
the segl then logs in at Demo Bank at High. Every page axe-clean in Danish and English, and the
whole journey by keyboard."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Page, expect

from tests.e2e.app_support import last_sms_pin, phone_context, qr_screenshot
from tests.e2e.conftest import Demo, Journal, set_language
from tests.e2e.support import (
    Device,
    PageReport,
    choose_file_by_keyboard,
    leave,
    listen_for_file_choosers,
    tab_to,
)

pytestmark = pytest.mark.e2e

PIN = "2580"
HIGH = "https://data.gov.dk/concept/core/nsis/High"
DORTE = {"cpr": "0403851234", "document": "207112233", "phone": "+4520000005"}  # a passport
EMIL = {"cpr": "1508921237", "document": "IA4455667", "phone": "+4520000006"}  # an ID card


def document(number: str) -> str:
    return str(Path(settings.CONFIG.data_dir) / "documents" / "passports" / f"{number}.json")


@pytest.fixture
def phones(browser: Browser, demo: Demo, journal: Journal):
    opened = []

    def open_phone(language: str = "en") -> Page:
        context = phone_context(browser, journal, language)
        opened.append(context)
        return context.new_page()

    yield open_phone
    for context in opened:
        for page in context.pages:
            leave(page)
        context.close()


def heading(app: Page):
    return expect(app.get_by_role("heading", level=1))


def prove(
    app: Page, who: dict[str, str], *, face: str = "Show the holder's face", report=None
) -> None:
    """Activate your segl → Passport/ID card, to the face."""
    check = report.check if report else (lambda *_: None)
    app.goto("/app/")
    heading(app).to_have_text("Activate your segl")
    check(app, "activate your segl")
    app.get_by_role("link", name="Passport/ID card").click()
    app.get_by_role("button", name="Get started").click()
    expect(app.locator("[data-error-summary]")).to_be_focused()
    check(app, "terms, not accepted")
    app.get_by_label("I accept the terms and conditions and have read the privacy notice").check()
    app.get_by_role("button", name="Get started").click()
    heading(app).to_have_text("Scan the code on your passport or ID card")
    app.get_by_label("The code on the document").fill("P<DNKHANSEN<<DORTE")
    expect(app.locator("[data-mrz-status]")).to_contain_text("two lines of 44 characters")
    app.get_by_label("Document file (emulated passport or ID card)").set_input_files(
        document(who["document"])
    )
    expect(app.locator("[data-mrz-status]")).to_have_text("All check digits are correct.")
    check(app, "the code, read from the document file")
    app.get_by_label("CPR number").fill(who["cpr"])
    app.get_by_role("button", name="Continue").click()
    heading(app).to_have_text("Read the chip in your passport or ID card")
    check(app, "read the chip")
    app.get_by_role("button", name="Read the chip").click()
    heading(app).to_have_text("Scan your face")
    check(app, "scan your face")
    app.get_by_role("button", name=face).click()


def choose_user_id(app: Page, user_id: str, report=None) -> None:
    heading(app).to_have_text("Choose your user ID")
    app.get_by_label("User ID").fill("0403851234")  # a CPR number is no user ID
    app.get_by_role("button", name="Continue").click()
    expect(app.locator("[data-error-summary]")).to_contain_text("must not be a CPR number")
    if report:
        report.check(app, "user ID, with an error")
    app.get_by_label("User ID").fill(user_id)
    app.get_by_role("button", name="Continue").click()
    heading(app).to_have_text("How do you want to use segl?")


def this_phone(app: Page, phone: str) -> None:
    app.get_by_label("On this phone").check()
    app.get_by_role("button", name="Next").click()
    heading(app).to_have_text("Create your PIN code")
    app.get_by_label("Temporary PIN code").fill(last_sms_pin(phone))
    app.get_by_label("PIN code", exact=True).fill(PIN)
    app.get_by_label("Repeat the PIN code").fill(PIN)
    app.get_by_role("button", name="Continue").click()
    app.get_by_role("button", name="Not now").click()
    heading(app).to_have_text("Your segl app is activated")
    app.get_by_role("link", name="OK").click()


def log_in_at_demo_bank(page: Page, app: Page, user_id: str, tmp_path: Path) -> None:
    """The app unlocked, then Demo Bank and the user ID; the app scans the QR code and
    approves: the login reaches High (the identity proofed at High, the app bound after it)."""
    heading(app).to_have_text("Enter your PIN code")
    app.get_by_label("PIN code", exact=True).fill(PIN)
    app.get_by_role("button", name="Unlock").click()
    heading(app).to_have_text("Ready to approve")
    page.goto("/demo-bank/")
    page.get_by_role("button", name="Log in with segl").click()
    page.get_by_label("User ID").fill(user_id)
    page.get_by_role("button", name="Continue").click()
    # The first method shown is the same for every user ID (decision 17): choose the app.
    page.get_by_role("link", name="Change identification method").click()
    page.get_by_label("segl app").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("[data-app-step]")).to_be_visible()
    heading(app).to_have_text("Scan the QR code")
    shot = qr_screenshot(page.locator("img[data-qr]"), tmp_path)
    app.get_by_label("Scan from a picture").set_input_files(shot)
    heading(app).to_have_text("Can you approve?")
    app.locator("[data-approve-start]").click()
    app.locator("[data-approve]").click()
    heading(app).to_have_text("Approved")
    page.wait_for_url("**/demo-bank/callback/?*")
    expect(page.locator('[data-claim="acr"]')).to_have_text(HIGH)


def test_a_passport_then_the_app_on_this_phone_logs_in_at_high(page: Page, phones, tmp_path: Path):
    set_language(page.context, "en")
    app = phones()
    prove(app, DORTE)
    choose_user_id(app, "dorte-hansen")
    this_phone(app, DORTE["phone"])
    log_in_at_demo_bank(page, app, "dorte-hansen", tmp_path)


def test_an_id_card_then_the_app_on_another_phone_logs_in_at_high(
    page: Page, phones, tmp_path: Path
):
    set_language(page.context, "en")
    app, tablet = phones(), phones()
    prove(app, EMIL)
    choose_user_id(app, "emil-larsen")
    app.get_by_label("On another phone or tablet").check()
    app.get_by_role("button", name="Next").click()
    app.get_by_role("button", name="Show QR code").click()
    qr = app.locator("figure.qr img")
    expect(qr).to_be_visible()

    tablet.goto("/app/#copy-new")
    tablet.get_by_label("Scan from a picture").set_input_files(qr_screenshot(qr, tmp_path))
    code = tablet.locator("[data-proximity]").inner_text()
    app.get_by_label("Enter the code shown on the new phone or tablet").fill(code)
    app.get_by_role("button", name="Continue").click()
    heading(app).to_have_text("Continue on the new phone or tablet")
    tablet.get_by_label("User ID").fill("emil-larsen")
    tablet.get_by_role("button", name="I have entered the code").click()
    heading(tablet).to_have_text("Create your PIN code")
    tablet.get_by_label("Temporary PIN code").fill(last_sms_pin(EMIL["phone"]))
    tablet.get_by_label("PIN code", exact=True).fill(PIN)
    tablet.get_by_label("Repeat the PIN code").fill(PIN)
    tablet.get_by_role("button", name="Continue").click()
    tablet.get_by_role("button", name="Not now").click()
    heading(tablet).to_have_text("Your segl app is activated")
    heading(app).to_have_text("The new app is activated.")
    tablet.get_by_role("link", name="OK").click()
    log_in_at_demo_bank(page, tablet, "emil-larsen", tmp_path)


def test_yes_activate_an_audio_code_reader_from_stock(page: Page, phones, demo: Demo):
    from segl.authenticators.models import Device as InventoryDevice
    from segl.identities.models import Identity

    app = phones()
    prove(app, DORTE)
    choose_user_id(app, "dorte-reader")
    app.get_by_label("With a code display, audio code reader or chip").check()
    app.get_by_role("button", name="Next").click()
    app.get_by_label("Audio code reader", exact=True).check()
    app.get_by_role("button", name="Next").click()
    heading(app).to_have_text("Do you have an audio code reader?")
    app.get_by_role("link", name="Yes, activate").click()
    stock = InventoryDevice.objects.filter(kind="audio_code_reader", status="in_stock")
    serial = stock.first().serial
    device = Device(demo.context, serial, demo.device_dir / f"{serial}.json")
    # Seed 000's order: the password, the serial number, then the code read aloud.
    labels = app.locator("form label").all_inner_texts()
    assert labels == ["Create a password", "Repeat the password", "Serial number", "One-time code"]
    expect(app.get_by_text("You can feel the button: it has one raised dot.")).to_be_visible()
    app.get_by_label("Create a password").fill("a long and private passphrase")
    app.get_by_label("Repeat the password").fill("a long and private passphrase")
    app.get_by_label("Serial number").fill(serial)
    app.get_by_label("One-time code").fill(device.wrong_code())
    app.get_by_role("button", name="Activate").click()
    expect(app.locator("[data-error-summary]")).to_contain_text("The one-time code is not correct.")
    app.get_by_label("Create a password").fill("a long and private passphrase")
    app.get_by_label("Repeat the password").fill("a long and private passphrase")
    code = device.press_red()
    app.bring_to_front()
    app.get_by_label("One-time code").fill(code)
    app.get_by_role("button", name="Activate").click()
    heading(app).to_have_text("Your audio code reader is activated")
    identity = Identity.objects.get(user_id="dorte-reader")
    assert identity.ial == "high"
    assert identity.authenticators.get(device__serial=serial).status == "active"


def test_yes_activate_a_chip_after_the_passport(page: Page, phones, demo: Demo):
    """Seed 002's "Do you have a chip?", Yes, activate: the password and the serial, then the
    chip (Chromium's virtual authenticator on the phone)."""
    from datetime import UTC, datetime

    from segl.identities.models import Identity, Person
    from segl.orders.services import order_advance, order_place
    from tests.e2e.test_chip import connect_virtual_chip

    # A chip Dorte ordered with her passport before she had a segl, sent to her.
    order = order_place(
        key="dorte-chip",
        kind="chip",
        person=Person.objects.get(cpr=DORTE["cpr"]),
        identified_by="passport",
        delivery="post",
        now=datetime.now(UTC),
    )
    for step in ("packed", "shipped", "delivered"):
        order = order_advance(reference=order.reference, to=step, now=datetime.now(UTC), actor="t")
    serial = order.device.serial
    app = phones()
    prove(app, DORTE)
    choose_user_id(app, "dorte-chip")
    app.get_by_label("With a code display, audio code reader or chip").check()
    app.get_by_role("button", name="Next").click()
    app.get_by_label("Chip", exact=True).check()
    app.get_by_role("button", name="Next").click()
    heading(app).to_have_text("Do you have a chip?")
    app.get_by_role("link", name="Yes, activate").click()
    heading(app).to_have_text("Activate your chip")
    labels = app.locator("form label").all_inner_texts()
    assert labels == ["Create a password", "Repeat the password", "Serial number"]
    connect_virtual_chip(app)
    app.get_by_label("Create a password").fill("a long and private passphrase")
    app.get_by_label("Repeat the password").fill("a long and private passphrase")
    app.get_by_label("Serial number").fill(serial)
    app.get_by_role("button", name="Activate").click()
    heading(app).to_have_text("Your chip is activated")
    identity = Identity.objects.get(user_id="dorte-chip")
    chip = identity.authenticators.get(device__serial=serial)
    assert (identity.ial, chip.kind, chip.status, chip.level) == ("high", "chip", "active", "high")


def test_a_face_that_does_not_match_goes_to_review_and_is_refused(phones):
    from datetime import UTC, datetime

    from segl.notify.models import OutboxMessage
    from segl.proofing.review import review_decide, review_pictures, reviews_waiting

    app = phones()
    prove(app, DORTE, face="Show another face")
    heading(app).to_have_text("We are checking your face")
    (waiting,) = reviews_waiting()
    review_pictures(proofing_id=waiting.id, reviewer="rita", now=datetime.now(UTC))
    review_decide(proofing_id=waiting.id, reviewer="rita", same_person=False, now=datetime.now(UTC))
    app.get_by_role("button", name="Check again").click()
    heading(app).to_have_text("We could not confirm your identity")
    expect(app.get_by_role("alert")).to_have_text(
        "Your face could not be matched with the photo on the chip."
    )
    assert OutboxMessage.objects.filter(to=DORTE["phone"], purpose="proofing_refused").exists()
    app.get_by_role("link", name="OK").click()
    heading(app).to_have_text("Activate your segl")  # the proofing is forgotten here


@pytest.mark.parametrize("language", ["da", "en"])
def test_every_proofing_page_passes_axe_and_reflows(phones, language: str, journal: Journal):
    report = PageReport(themes=language == "da")
    app = phones(language)
    if language == "da":
        app.goto("/app/")
        heading(app).to_have_text("Aktivér dit segl")
        report.check(app, "aktivér dit segl")
        app.get_by_role("link", name="Pas/ID-kort").click()
        app.get_by_label("Jeg accepterer vilkårene og har læst privatlivspolitikken").check()
        app.get_by_role("button", name="Kom i gang").click()
        app.get_by_label("Dokumentfil (emuleret pas eller ID-kort)").set_input_files(
            document(DORTE["document"])
        )
        expect(app.locator("[data-mrz-status]")).to_have_text("Alle kontrolcifre passer.")
        report.check(app, "koden")
        app.get_by_label("CPR-nummer").fill("0101011234")
        app.get_by_role("button", name="Fortsæt").click()
        heading(app).to_have_text("Vi kunne ikke bekræfte din identitet")
        report.check(app, "afvist")
        app.get_by_role("link", name="OK").click()
        app.get_by_role("link", name="Pas/ID-kort").click()
        app.get_by_label("Jeg accepterer vilkårene og har læst privatlivspolitikken").check()
        app.get_by_role("button", name="Kom i gang").click()
        app.get_by_label("Dokumentfil (emuleret pas eller ID-kort)").set_input_files(
            document(DORTE["document"])
        )
        app.get_by_label("CPR-nummer").fill(DORTE["cpr"])
        app.get_by_role("button", name="Fortsæt").click()
        report.check(app, "læs chippen")
        app.get_by_role("button", name="Læs chippen").click()
        heading(app).to_have_text("Scan dit ansigt")
        report.check(app, "scan dit ansigt")
        app.get_by_role("button", name="Vis indehaverens ansigt").click()
        heading(app).to_have_text("Vælg dit bruger-ID")
        report.check(app, "bruger-ID")
        app.get_by_label("Bruger-ID").fill("dorte-da")
        app.get_by_role("button", name="Fortsæt").click()
        heading(app).to_have_text("Hvordan vil du bruge segl?")
        report.check(app, "trin 5")
        app.get_by_role("button", name="Næste").click()
        expect(app.locator("[data-error-summary]")).to_be_focused()
        report.check(app, "trin 5, med en fejl")
        app.get_by_label("Med kodeviser, kodeoplæser eller chip").check()
        app.get_by_role("button", name="Næste").click()
        report.check(app, "kodeviser, kodeoplæser eller chip")
        app.get_by_label("Kodeoplæser").check()
        app.get_by_role("button", name="Næste").click()
        report.check(app, "har du en kodeoplæser")
        app.get_by_role("link", name="Nej, bestil").click()
        heading(app).to_have_text("Bestil en kodeoplæser")
        report.check(app, "bestil")
        app.get_by_label("Hent den i Borgerservice").check()
        app.get_by_role("button", name="Bestil").click()
        heading(app).to_have_text("Din bestilling er afgivet")
        report.check(app, "bestilt")
    else:
        prove(app, DORTE, report=report)
        choose_user_id(app, "dorte-en", report=report)
        report.check(app, "step 5")
        app.get_by_label("On another phone or tablet").check()
        app.get_by_role("button", name="Next").click()
        report.check(app, "another phone")
        app.get_by_role("button", name="Show QR code").click()
        expect(app.locator("figure.qr img")).to_be_visible()
        report.check(app, "another phone: the QR code")
        app.get_by_role("link", name="Back").click()
        app.get_by_label("With a code display, audio code reader or chip").check()
        app.get_by_role("button", name="Next").click()
        app.get_by_label("Code display", exact=True).check()
        app.get_by_role("button", name="Next").click()
        app.get_by_role("link", name="Yes, activate").click()
        app.get_by_role("button", name="Activate").click()
        expect(app.locator("[data-error-summary]")).to_be_visible()
        report.check(app, "activate a code display, with an error")
        other = phones(language)
        prove(other, EMIL, face="Show another face")
        heading(other).to_have_text("We are checking your face")
        report.check(other, "review")
    report.assert_clean()
    assert journal.errors == []


def test_the_whole_journey_by_keyboard(phones):
    """Tab to each control and press Enter or Space; the document file is chosen in the file
    chooser the keyboard opens."""
    app = listen_for_file_choosers(phones())
    app.goto("/app/")
    heading(app).to_be_focused()  # the screen is built: focus starts at its heading
    tab_to(app, lambda f: f["href"] == "#proof")
    app.keyboard.press("Enter")
    heading(app).to_be_focused()
    tab_to(app, lambda f: f["id"] == "terms")
    app.keyboard.press("Space")
    tab_to(app, lambda f: f["tag"] == "button")
    app.keyboard.press("Enter")
    heading(app).to_have_text("Scan the code on your passport or ID card")
    tab_to(app, lambda f: f["id"] == "document-button")
    choose_file_by_keyboard(app, document(EMIL["document"]))
    expect(app.locator("[data-mrz-status]")).to_have_text("All check digits are correct.")
    tab_to(app, lambda f: f["id"] == "cpr")
    app.keyboard.type(EMIL["cpr"])
    app.keyboard.press("Enter")
    heading(app).to_have_text("Read the chip in your passport or ID card")
    tab_to(app, lambda f: f["tag"] == "button")
    app.keyboard.press("Enter")
    heading(app).to_have_text("Scan your face")
    tab_to(app, lambda f: f["tag"] == "button" and f["value"] == "holder")
    app.keyboard.press("Enter")
    heading(app).to_have_text("Choose your user ID")
    tab_to(app, lambda f: f["id"] == "user_id")
    app.keyboard.type("emil-keys")
    app.keyboard.press("Enter")
    heading(app).to_have_text("How do you want to use segl?")
    tab_to(app, lambda f: f["id"] == "how")
    app.keyboard.press("Space")
    tab_to(app, lambda f: f["tag"] == "button")
    app.keyboard.press("Enter")
    heading(app).to_have_text("Create your PIN code")
    tab_to(app, lambda f: f["id"] == "temporary_pin")
    app.keyboard.type(last_sms_pin(EMIL["phone"]))
    app.keyboard.press("Tab")
    app.keyboard.type(PIN)
    app.keyboard.press("Tab")
    app.keyboard.type(PIN)
    app.keyboard.press("Enter")
    heading(app).to_have_text("Set up notifications")
