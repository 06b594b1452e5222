"""What a login says when a device or the password is suspended or blocked: another
identification method is offered only to someone who has one, and everyone is told what to do
without one.

At the code step nothing may depend on what the identity has (decision 17): the words are the
same for every user ID, and say what to do with another method and without one. At the password
step the citizen has proven the device, and is told what the identity really has. The SMS about
a blocked password goes to the citizen, and speaks of the app only to someone who has one.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from segl.core.errors import SeglError
from segl.identities.services import identity_verify_password
from segl.notify.models import OutboxMessage
from tests.app.conftest import activate, emulator
from tests.conftest import make_person

pytestmark = pytest.mark.django_db

APP_LOGIN = "Log in with the segl app to choose a new one"
NEW_DEVICE = (
    "You choose a new one when you activate a new code display or audio code reader, on the "
    "self-service portal or at a citizen service centre."
)


def suspended_page(driver, user_id: str, wrong: list[str]) -> str:
    url, _, _ = driver.start()
    driver.user_id(url, user_id)
    for code in wrong:
        driver.code(url, code)
    page: str = driver.code(url, wrong[0]).content.decode()
    return re.sub(r'value="[^"]{30,}"', "", page.replace(url, ""))


def test_a_suspended_device_tells_what_to_do_with_another_method_and_without(driver, clock):
    # segl's clock stands still: the three logins are suspended until the same minute, even when
    # the machine's clock passes a minute's end between them.
    only_device = make_person("only-a-device")
    with_app = make_person("app-and-device")
    activate(emulator(), with_app)
    wrong = only_device.token.wrong_codes(3)
    pages = [suspended_page(driver, p.user_id, wrong) for p in (only_device, with_app)]
    pages.append(suspended_page(driver, "nobody-at-all", wrong))
    until = re.search(r"You can try again at (\d\d:\d\d)\.", pages[0])
    assert until is not None, pages[0]
    time = until.group(1)
    for page in pages:
        assert "suspended because a wrong one-time code was entered 3 times in a row" in page
        assert f"You can try again at {time}." in page
        assert "If you have another identification method, you can use it now" in page
        assert f"If you have no other, wait until {time}, or get help at a citizen service" in page
        assert "Change identification method</a>" in page  # the link the words point at
        assert "or choose another identification method." not in page
    # Alike for every user ID, known or not, with or without another method (decision 17).
    assert pages[0] == pages[1] == pages[2]


def block_password(person) -> None:
    now = timezone.now() - timedelta(days=2)
    for _ in range(10):
        try:
            identity_verify_password(identity_id=person.identity.pk, password="no", now=now)
        except SeglError as exc:
            now = getattr(exc, "until", now)


@pytest.mark.parametrize("has_app", [False, True], ids=["no app", "an app"])
def test_a_blocked_password_offers_the_app_only_to_someone_who_has_one(driver, config, has_app):
    config(failure_limit=10)  # each wrong password costs Argon2
    person = make_person(f"blocked-{int(has_app)}")
    if has_app:
        activate(emulator(), person)
    block_password(person)
    url, _, _ = driver.start()
    driver.user_id(url, person.user_id)
    assert driver.code(url, person.token.code()).status_code == 302
    page = driver.password(url).content.decode()
    assert "Your password is blocked after too many wrong attempts." in page
    assert (APP_LOGIN in page) is has_app
    assert (NEW_DEVICE in page) is not has_app

    sms = OutboxMessage.objects.get(to=person.identity.person.phone, purpose__startswith="password")
    assert sms.purpose == ("password_disabled" if has_app else "password_disabled_no_app")
    assert ("segl app" in sms.text) is has_app
    if not has_app:
        assert "Borgerservice" in sms.text and "citizen service centre" in sms.text
