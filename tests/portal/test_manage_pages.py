"""Managing one's segl on the portal: list, rename, retire, report lost, password, user ID,
delayed changes, the backup notice, and what each tells the citizen."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from segl.audit.models import AuditEvent
from segl.authenticators.models import Authenticator
from segl.changes.models import DelayedChange
from segl.flows.models import Flow
from segl.identities.models import Identity
from segl.notify.models import OutboxMessage
from tests.app.conftest import activate, emulator
from tests.conftest import PASSWORD, make_person
from tests.portal.conftest import english, portal_login

pytestmark = pytest.mark.django_db


def device_of(person) -> Authenticator:
    return Authenticator.objects.get(identity=person.identity, kind="code_display")


def test_the_overview_lists_authenticators_with_serial_status_and_last_use(logged_in, eva):
    html = logged_in.get("/portal/").content.decode()
    auth = device_of(eva)
    assert f"Code display {auth.device.serial}" in html
    assert "Active" in html and "Not yet" in html


def test_one_authenticator_brings_the_backup_notice_and_two_take_it_away(logged_in, eva):
    assert "Have a spare segl" in logged_in.get("/portal/").content.decode()
    activate(emulator(), eva)
    assert "Have a spare segl" not in logged_in.get("/portal/").content.decode()


def test_an_app_can_be_renamed_but_not_given_an_empty_name(logged_in, eva):
    activate(emulator(), eva)
    app = Authenticator.objects.get(identity=eva.identity, kind="app")
    page = f"/portal/authenticators/{app.pk}/"
    assert logged_in.post(page, {"name": "   "}).status_code == 400
    assert logged_in.post(page, {"name": "Eva's  phone"}).status_code == 302
    app.refresh_from_db()
    assert app.name == "Eva's phone"
    assert "segl app: Eva&#x27;s phone" in logged_in.get("/portal/").content.decode()


@pytest.mark.parametrize("name", ["segl app", "segl-app", "Segl  App", "segl-appen", ""])
def test_an_app_called_what_every_app_is_called_is_named_once(logged_in, eva, name):
    """Every app starts out named after its kind (the app sends "segl app" in its language):
    the portal shows "segl app", not "segl app: segl app"."""
    activate(emulator(), eva)
    app = Authenticator.objects.get(identity=eva.identity, kind="app")
    app.name = name
    app.save(update_fields=["name"])
    overview = logged_in.get("/portal/").content.decode()
    assert '<th scope="row">segl app</th>' in overview
    assert "segl app:" not in overview
    page = logged_in.get(f"/portal/authenticators/{app.pk}/").content.decode()
    assert "<h1>segl app</h1>" in page


def test_the_navigation_is_in_the_page_s_column(logged_in):
    """The portal's links sit at the top of the page's column, not above it on their own."""
    for response in (logged_in.get("/portal/"), english().get("/portal/order/")):
        html = response.content.decode()
        column = html.index('<div class="panel panel--wide">')
        nav = html.index('<nav class="portal-nav"')
        assert column < nav < html.index("<h1", column), "the navigation is outside the column"


def test_reporting_a_device_lost_suspends_it_at_once_and_a_login_with_it_fails(
    logged_in, eva, driver
):
    auth = device_of(eva)
    confirm = logged_in.get(f"/portal/authenticators/{auth.pk}/lost/")
    assert "Yes, block it" in confirm.content.decode()
    assert logged_in.post(f"/portal/authenticators/{auth.pk}/lost/").status_code == 302
    auth.refresh_from_db()
    assert (auth.status, auth.device.status) == ("suspended", "suspended")
    assert OutboxMessage.objects.filter(purpose="authenticator_lost").exists()
    url, *_ = driver.start()
    driver.user_id(url, eva.user_id)
    # Its step looks as it would for anyone (decision 17); its codes are wrong now.
    page = driver.code(url, eva.token.code()).content.decode()
    assert "The one-time code is not correct" in page
    assert Flow.objects.get().step == "code"


def test_retiring_removes_it_for_good(logged_in, eva):
    auth = device_of(eva)
    assert logged_in.post(f"/portal/authenticators/{auth.pk}/retire/").status_code == 302
    auth.refresh_from_db()
    assert (auth.status, auth.device.status) == ("retired", "retired")
    assert OutboxMessage.objects.filter(purpose="authenticator_retired").exists()


def test_nobody_can_touch_another_persons_authenticator(logged_in):
    other = make_person("other-one")
    theirs = device_of(other)
    for url in (
        f"/portal/authenticators/{theirs.pk}/",
        f"/portal/authenticators/{theirs.pk}/lost/",
    ):
        assert logged_in.get(url).status_code == 404
        assert logged_in.post(url).status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == "active"


def test_an_unknown_action_is_not_found(logged_in, eva):
    assert logged_in.post(f"/portal/authenticators/{device_of(eva).pk}/explode/").status_code == 404


def test_changing_the_password_needs_the_current_one_when_the_login_is_not_fresh(eva):
    client = portal_login(english(), eva, minutes_ago=30)
    page = client.get("/portal/password/").content.decode()
    assert "Current password" in page
    new = {"new_password": "another good passphrase", "confirm_password": "another good passphrase"}
    assert "Enter your current password" in client.post("/portal/password/", new).content.decode()
    wrong = client.post("/portal/password/", {**new, "current_password": "not it at all"})
    assert "The password is not correct" in wrong.content.decode()
    assert Identity.objects.get(pk=eva.identity.pk).password_failures == 1
    right = client.post("/portal/password/", {**new, "current_password": PASSWORD})
    assert right.status_code == 302
    assert OutboxMessage.objects.filter(purpose="password_changed").count() == 2  # SMS, e-mail


def test_a_fresh_login_changes_the_password_without_the_current_one(eva):
    client = portal_login(english(), eva, minutes_ago=1)
    assert "Current password" not in client.get("/portal/password/").content.decode()
    new = {"new_password": "another good passphrase", "confirm_password": "another good passphrase"}
    assert client.post("/portal/password/", new).status_code == 302
    assert AuditEvent.objects.filter(action="password.set", subject=eva.user_id).exists()


def test_changing_the_user_id_warns_about_sharing_it_and_refuses_a_taken_one(logged_in, eva):
    page = logged_in.get("/portal/user-id/").content.decode()
    assert "Never give your user ID to anyone" in page
    make_person("taken-id")
    assert (
        "is taken" in logged_in.post("/portal/user-id/", {"user_id": "TAKEN-id"}).content.decode()
    )
    assert "4 to 64" in logged_in.post("/portal/user-id/", {"user_id": "a b"}).content.decode()
    assert logged_in.post("/portal/user-id/", {"user_id": "eva-new"}).status_code == 302
    assert Identity.objects.get(pk=eva.identity.pk).user_id == "eva-new"
    assert OutboxMessage.objects.filter(purpose="user_id_changed").exists()


def test_a_pending_delayed_change_is_shown_and_can_be_cancelled(logged_in, eva):
    app = emulator()
    activate(app, eva)
    app.unlock(eva.user_id, "2580")
    assert app.set_approval_mode(eva.user_id, "code")["pending_change"]["to"] == "code"
    assert OutboxMessage.objects.filter(purpose="delayed_change_requested").exists()
    change = DelayedChange.objects.get()
    html = logged_in.get("/portal/").content.decode()
    assert "Changes waiting to take effect" in html and "Cancel this change" in html
    assert logged_in.post(f"/portal/changes/{change.pk}/cancel/").status_code == 302
    change.refresh_from_db()
    assert change.cancelled_at is not None
    assert "Changes waiting" not in logged_in.get("/portal/").content.decode()
    # Cancelled, it cannot be confirmed when the 24 hours have passed.
    assert logged_in.post(f"/portal/changes/{change.pk}/cancel/").status_code == 404


def test_someone_elses_delayed_change_cannot_be_cancelled(logged_in):
    other = make_person("other-two")
    app = emulator()
    activate(app, other)
    app.unlock(other.user_id, "2580")
    app.set_approval_mode(other.user_id, "code")
    change = DelayedChange.objects.get()
    assert logged_in.post(f"/portal/changes/{change.pk}/cancel/").status_code == 404
    change.refresh_from_db()
    assert change.cancelled_at is None
    assert change.effective_at > datetime.now(UTC) + timedelta(hours=23)


def test_removing_the_only_way_to_identify_oneself_is_warned_about(logged_in, eva):
    device = device_of(eva)
    warning = "This is the only way you can identify yourself"
    for action in ("retire", "lost"):
        page = logged_in.get(f"/portal/authenticators/{device.pk}/{action}/").content.decode()
        assert warning in page
    activate(emulator(), eva)
    assert (
        warning not in logged_in.get(f"/portal/authenticators/{device.pk}/retire/").content.decode()
    )


def test_acting_on_a_retired_one_changes_nothing_and_says_so(logged_in, eva):
    """A second tab, or the back button: retired stays retired (segl.core.lifecycle), and the
    citizen is told nothing was changed instead of meeting an error page."""
    auth = device_of(eva)
    assert logged_in.post(f"/portal/authenticators/{auth.pk}/retire/").status_code == 302
    told = OutboxMessage.objects.count()
    for action in ("retire", "lost"):
        response = logged_in.post(f"/portal/authenticators/{auth.pk}/{action}/", follow=True)
        assert response.status_code == 200
        assert "Nothing was changed: it is not in use." in response.content.decode()
    auth.refresh_from_db()
    assert (auth.status, auth.device.status) == ("retired", "retired")
    assert OutboxMessage.objects.count() == told
