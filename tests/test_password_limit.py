"""The limit of wrong passwords since the last right one (NIST SP 800-63B rev 4 §3.2.2): growing
locks, then the password is blocked and the citizen told; a new password, after a fresh login
with another authenticator or with a new device, recovers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings

from segl.audit.models import AuditEvent
from segl.authenticators.services import device_activate
from segl.core.errors import Disabled, Locked, SeglError, WrongPassword
from segl.identities.models import Identity
from segl.identities.services import identity_verify_password
from segl.notify.models import OutboxMessage
from tests.conftest import PASSWORD, make_device
from tests.portal.conftest import portal_login

pytestmark = pytest.mark.django_db


def verify(identity: Identity, password: str, now: datetime) -> SeglError | None:
    try:
        identity_verify_password(identity_id=identity.pk, password=password, now=now)
    except SeglError as exc:
        return exc
    return None


@pytest.fixture
def low_limit(config):
    """The lowest limit that may be configured: each wrong password costs an Argon2 hash."""
    config(failure_limit=10)


def block(identity: Identity) -> tuple[list[SeglError | None], datetime]:
    now, answers = datetime.now(UTC), []
    while not answers or not isinstance(answers[-1], Disabled):
        answers.append(verify(identity, "not the password", now))
        now = answers[-1].until if isinstance(answers[-1], Locked) else now + timedelta(seconds=1)
        assert len(answers) <= settings.CONFIG.failure_limit
    return answers, now


def test_a_hundred_wrong_passwords_block_the_password_and_tell_the_citizen(anna):
    answers, now = block(anna.identity)
    assert len(answers) == 100
    assert all(isinstance(a, WrongPassword | Locked) for a in answers[:-1])
    lengths = [a.until for a in answers if isinstance(a, Locked)]
    assert len(lengths) == 19  # 5 in a row lock; each lock is twice as long as the last
    assert isinstance(verify(anna.identity, PASSWORD, now + timedelta(days=365)), Disabled)
    identity = Identity.objects.get(pk=anna.identity.pk)
    assert identity.password_failures_total == 100 and identity.password_disabled_at is not None
    assert AuditEvent.objects.filter(action="password.disable", subject=anna.user_id).count() == 1
    assert AuditEvent.objects.filter(action="password.verify", outcome="disabled").count() == 1
    # Anna has no app to log in with: the notice says what she can do instead.
    notice = OutboxMessage.objects.get(purpose="password_disabled_no_app")
    assert notice.to == anna.identity.person.phone and "citizen service centre" in notice.text


def test_a_new_password_after_a_fresh_login_on_the_portal_recovers(anna, client, low_limit):
    """The citizen logs in with another authenticator (the app needs no password) and sets a
    new password without the old one: the portal asks for none within minutes of a login."""
    block(anna.identity)
    client.cookies["django_language"] = "en"
    portal_login(client, anna)
    new = "a brand new and private passphrase"
    response = client.post(
        "/portal/password/", {"new_password": new, "confirm_password": new}, follow=False
    )
    assert response.status_code == 302
    assert verify(anna.identity, new, datetime.now(UTC)) is None
    identity = Identity.objects.get(pk=anna.identity.pk)
    assert (identity.password_failures_total, identity.password_disabled_at) == (0, None)


def test_the_old_password_cannot_be_given_on_the_portal_once_blocked(anna, client, low_limit):
    block(anna.identity)
    client.cookies["django_language"] = "en"
    portal_login(client, anna, minutes_ago=30)  # not fresh: the current password is asked for
    response = client.post(
        "/portal/password/",
        {"current_password": PASSWORD, "new_password": "x" * 20, "confirm_password": "x" * 20},
    )
    assert response.status_code == 400
    assert "blocked after too many wrong attempts" in response.content.decode()


def test_a_new_device_with_a_new_password_recovers(anna, low_limit):
    """As at a citizen service centre, or on the portal after an identification."""
    _, now = block(anna.identity)
    token = make_device("audio_code_reader")
    new = "another long private passphrase"
    device_activate(
        identity=anna.identity, serial=token.serial, code=token.code(now), now=now, password=new
    )
    assert verify(anna.identity, new, now) is None
