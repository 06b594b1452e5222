"""segl's two cookies about the browser: the key that binds a login to the browser that started
it (``segl_browser``), and the memory of how this browser last logged in (``segl_methods``).
segl honours only values it issued itself, and over https names them with the ``__Host-``
prefix, so that no other site or subdomain can plant them."""

from __future__ import annotations

import hashlib
from urllib.parse import urlencode

import pytest
from django.core import signing
from django.test import Client

from segl.flows.models import Flow
from segl.http import new_browser_key
from tests.conftest import LoginDriver, make_person

pytestmark = pytest.mark.django_db


def bound_to(key: str) -> bool:
    return (
        Flow.objects.latest("created_at").browser_key_hash
        == hashlib.sha256(key.encode()).hexdigest()
    )


def test_a_browser_key_someone_chose_is_replaced_not_honoured(driver):
    driver.client.cookies["segl_browser"] = "chosen-by-someone-else"
    url, _, _ = driver.start()
    issued = driver.client.cookies["segl_browser"].value
    assert issued != "chosen-by-someone-else"
    assert not bound_to("chosen-by-someone-else") and bound_to(issued)
    # The page is this browser's (with the key segl issued), not the chosen key's.
    other = Client()
    other.cookies["segl_browser"] = "chosen-by-someone-else"
    assert other.get(url).status_code == 404
    assert driver.client.get(url).status_code == 200


def test_a_key_segl_issued_is_kept(driver):
    driver.start()
    first = driver.client.cookies["segl_browser"].value
    driver.start()
    assert driver.client.cookies["segl_browser"].value == first and bound_to(first)


def test_over_https_the_key_is_a_host_cookie_and_the_plain_name_is_ignored(rp, settings):
    settings.SECURE = True
    client = Client()
    # A key segl did issue (to someone's own browser), planted under the plain name, which a
    # sibling subdomain could set: ignored over https.
    planted = new_browser_key()
    client.cookies["segl_browser"] = planted
    params, _ = rp.authorize_params()
    response = client.get("/o/authorize/?" + urlencode(params))
    assert response.status_code == 302
    cookie = response.cookies["__Host-segl_browser"]
    assert cookie["secure"] and cookie["path"] == "/" and not cookie["domain"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "segl_browser" not in response.cookies
    assert cookie.value != planted and not bound_to(planted) and bound_to(cookie.value)
    assert client.get(response["Location"]).status_code == 200


def test_over_http_the_names_are_plain(driver, settings):
    settings.SECURE = False
    driver.start()
    assert "segl_browser" in driver.client.cookies
    assert "__Host-segl_browser" not in driver.client.cookies


# -- the browser's memory of the method -----------------------------------------------------


def log_in_by(driver, person, method: str, code: str) -> str:
    url, _, _ = driver.start()
    driver.user_id(url, person.user_id)
    if Flow.objects.get(pk=url.rstrip("/").split("/")[-1]).method != method:
        driver.post(url + "method/", {"method": method})
    assert driver.code(url, code).status_code == 302
    assert driver.password(url).status_code == 302
    driver.client.get(url)  # the shield with the tick
    driver.finish(url)
    return url


def first_method(driver, user_id: str) -> str:
    url, _, _ = driver.start()
    driver.user_id(url, user_id)
    return Flow.objects.get(pk=url.rstrip("/").split("/")[-1]).method


def test_a_browser_starts_with_the_method_it_last_logged_in_with(driver, rp, db):
    bo = make_person("bo-memory", kinds=("audio_code_reader", "code_display"))
    assert first_method(driver, bo.user_id) == "code_display"  # the default, for everyone
    log_in_by(driver, bo, "audio_code_reader", bo.token.code())
    assert first_method(driver, bo.user_id) == "audio_code_reader"
    assert bo.user_id not in driver.client.cookies["segl_methods"].value
    # Only in this browser, and only for Bo's user ID.
    assert first_method(driver, "someone-else") == "code_display"
    other = LoginDriver(Client(), rp)
    assert first_method(other, bo.user_id) == "code_display"


def test_only_a_login_that_succeeded_is_remembered(driver, db):
    bo = make_person("bo-forgets", kinds=("audio_code_reader", "code_display"))
    url, _, _ = driver.start()
    driver.user_id(url, bo.user_id)
    driver.post(url + "method/", {"method": "audio_code_reader"})
    driver.code(url, bo.token.wrong_code())
    assert "segl_methods" not in driver.client.cookies
    assert first_method(driver, bo.user_id) == "code_display"


def test_a_memory_segl_did_not_sign_is_ignored(driver, db):
    bo = make_person("bo-forged", kinds=("audio_code_reader", "code_display"))
    log_in_by(driver, bo, "audio_code_reader", bo.token.code())
    real = driver.client.cookies["segl_methods"].value
    entries = signing.loads(real, salt="segl.flows.browser_memory")
    forged = signing.dumps(entries, key="not segl's key", salt="segl.flows.browser_memory")
    driver.client.cookies["segl_methods"] = forged
    assert first_method(driver, bo.user_id) == "code_display"
    driver.client.cookies["segl_methods"] = "[not even signed]"
    assert first_method(driver, bo.user_id) == "code_display"
    driver.client.cookies["segl_methods"] = real
    assert first_method(driver, bo.user_id) == "audio_code_reader"
