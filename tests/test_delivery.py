"""The outbox's delivery (segl.notify.delivery, decision 41): each message sent once by whoever
claims it, a refused one tried again after a wait that doubles, dead after the last try until
an operator retries it, and each channel within its rate."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils.module_loading import import_string

from segl.cli import main
from segl.notify import delivery
from segl.notify.gateways import Undeliverable, deliver_waiting, send_email, send_push, send_sms
from segl.notify.models import OutboxMessage
from segl.notify.selectors import dead_messages

pytestmark = pytest.mark.django_db

GATEWAY = "tests.test_delivery.Recording"


class Recording:
    """A provider that takes a message, or refuses every one while ``down``."""

    sent: list[str] = []
    down = False

    def send(self, message: OutboxMessage) -> None:
        if type(self).down:
            raise ConnectionRefusedError("provider unreachable")
        type(self).sent.append(message.to)


@pytest.fixture
def provider(settings):
    settings.SEGL_GATEWAYS = dict.fromkeys(settings.SEGL_GATEWAYS, GATEWAY)
    # The class the setting names (this module may be imported under another name as a test).
    recording = import_string(GATEWAY)
    recording.sent, recording.down = [], False
    cache.clear()  # the channels' counts of this minute
    yield recording
    recording.down = False


def _queued(to: str, now: datetime) -> OutboxMessage:
    """A message written, its request's own try not made (its transaction did not commit)."""
    send_sms(to=to, text="Din segl er ændret.", purpose="password_changed", now=now)
    return OutboxMessage.objects.get(to=to)


def test_a_refused_message_waits_longer_each_time_then_is_dead_until_retried(provider):
    now = datetime.now(UTC)
    message = _queued("+4520000001", now)
    provider.down = True
    at, waits = now, []
    for attempt in range(1, delivery.MAX_ATTEMPTS + 1):
        assert delivery.deliver_due(now=at) == (0, 1)
        stored = OutboxMessage.objects.get(pk=message.pk)
        assert stored.attempts == attempt and "unreachable" in stored.error
        if attempt < delivery.MAX_ATTEMPTS:
            # Not again before its wait is over.
            assert delivery.deliver_due(now=stored.next_attempt_at - timedelta(seconds=1)) == (0, 0)
            waits.append(stored.next_attempt_at - at)
            at = stored.next_attempt_at
    assert waits == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2),
                     timedelta(minutes=4)]  # fmt: skip
    dead = OutboxMessage.objects.get(pk=message.pk)
    assert dead.dead_at == at and dead.sent_at is None
    # Dead: not tried again, by the worker or by an operator's "deliver now".
    provider.down = False
    assert delivery.deliver_due(now=at + timedelta(days=1)) == (0, 0)
    assert deliver_waiting(now=at + timedelta(days=1)) == (0, 0)
    assert [m["id"] for m in dead_messages()] == [message.pk]
    # An operator gives it its tries again: sent.
    assert delivery.retry_dead(ids=[message.pk]) == 1
    assert delivery.deliver_due(now=at + timedelta(days=1)) == (1, 0)
    assert provider.sent == ["+4520000001"]
    assert OutboxMessage.objects.get(pk=message.pk).dead_at is None


def test_a_message_claimed_by_another_sender_is_not_sent_until_its_claim_runs_out(provider):
    now = datetime.now(UTC)
    message = _queued("+4520000002", now)
    OutboxMessage.objects.filter(pk=message.pk).update(
        claimed_by="another", claimed_until=now + delivery.LEASE
    )
    assert not delivery.deliver(message.pk, now=now)
    assert delivery.deliver_due(now=now) == (0, 0)
    assert provider.sent == []
    # The other sender died while sending: after its lease, the message is tried again.
    later = now + delivery.LEASE
    assert delivery.deliver(message.pk, now=later)
    assert provider.sent == ["+4520000002"]
    sent = OutboxMessage.objects.get(pk=message.pk)
    assert sent.sent_at is not None and sent.claimed_by == "" and sent.claimed_until is None
    # Sent: never again, whoever asks.
    assert not delivery.deliver(message.pk, now=later, early=True)
    assert provider.sent == ["+4520000002"]


def test_each_channel_sends_within_its_rate_and_the_rest_waits(provider, config):
    config(outbox_per_minute=3)
    now = datetime.now(UTC)
    for n in range(5):
        send_sms(to=f"+45200001{n:02d}", text="x", purpose="test", now=now)
    send_email(to="anna@example.org", text="x", purpose="test", now=now)
    sent, _ = delivery.deliver_due(now=now)
    # Three SMS this minute, and the e-mail, which has a count of its own.
    assert sent == 4
    assert sorted(provider.sent) == ["+4520000100", "+4520000101", "+4520000102",
                                     "anna@example.org"]  # fmt: skip
    assert delivery.waiting() == 2
    cache.clear()  # the next minute
    assert delivery.deliver_due(now=now + timedelta(minutes=1)) == (2, 0)
    assert delivery.waiting() == 0


def test_an_operator_may_send_what_waits_after_a_refusal_at_once(provider):
    now = datetime.now(UTC)
    message = _queued("+4520000003", now)
    provider.down = True
    delivery.deliver_due(now=now)
    provider.down = False
    assert delivery.deliver_due(now=now) == (0, 0)  # the worker waits its 30 s
    assert deliver_waiting(now=now) == (1, 0)  # "deliver now" does not
    assert OutboxMessage.objects.get(pk=message.pk).sent_at is not None


class Gone:
    """A provider that no longer knows the address."""

    def send(self, message: OutboxMessage) -> None:
        raise Undeliverable("the subscription is gone")


def test_each_channel_goes_to_its_own_gateway_and_a_gone_address_is_dead_at_once(
    provider, settings
):
    settings.SEGL_GATEWAYS = {
        **settings.SEGL_GATEWAYS,
        "sms": GATEWAY,
        "email": "segl.notify.gateways.OutboxGateway",
        "push": "tests.test_delivery.Gone",
    }
    now = datetime.now(UTC)
    send_sms(to="+4520000009", text="x", purpose="password_changed", now=now)
    send_email(to="eva@segl.example", text="x\n\ny", purpose="password_changed", now=now)
    send_push(to="thumbprint", payload="{}", purpose="password_changed", now=now)
    assert delivery.deliver_due(now=now) == (2, 1)
    assert provider.sent == ["+4520000009"]  # the e-mail went to the outbox's own gateway
    push = OutboxMessage.objects.get(channel="push")
    # Gone for good: no tries left for it, and an operator sees why.
    assert push.dead_at == now and push.attempts == 1 and "gone" in push.error
    assert delivery.deliver_due(now=now + timedelta(hours=2)) == (0, 0)


def test_an_operator_sees_the_dead_and_retries_them_and_a_worker_sends_them(provider, capsys):
    now = datetime.now(UTC)
    message = _queued("+4520000004", now)
    OutboxMessage.objects.filter(pk=message.pk).update(
        attempts=delivery.MAX_ATTEMPTS, dead_at=now, error="provider unreachable"
    )
    assert main(["outbox", "--dead", "--json"]) == 0
    dead = json.loads(capsys.readouterr().out)["dead"]
    assert [(d["id"], d["attempts"], d["error"]) for d in dead] == [
        (message.pk, delivery.MAX_ATTEMPTS, "provider unreachable")
    ]
    assert main(["worker", "--once"]) == 0
    assert provider.sent == []  # dead: the worker leaves it
    assert main(["outbox", "--retry", "12;DROP"]) != 0
    assert "message numbers" in capsys.readouterr().err
    assert main(["outbox", "--retry", str(message.pk)]) == 0
    assert main(["worker", "--once"]) == 0
    assert provider.sent == ["+4520000004"]
    assert main(["worker", "--every", "0"]) != 0
    assert "--every must be above 0" in capsys.readouterr().err
