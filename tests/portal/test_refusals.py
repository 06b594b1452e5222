"""The portal's refusals: one sentence per code, in English and Danish."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import translation

from segl.core.errors import Locked
from segl.orders.services import OrderRefused
from segl.portal.refusals import REFUSALS, refusal


@pytest.mark.parametrize("code", sorted(REFUSALS))
def test_every_refusal_is_said_in_danish(code):
    with translation.override("en"):
        english = refusal(code, time="12:00")
    with translation.override("da"):
        danish = refusal(code, time="12:00")
    assert english and danish and danish != english


def test_an_error_is_said_by_its_reason_and_an_unknown_reason_by_the_default():
    with translation.override("en"):
        assert refusal(OrderRefused("unpaid")) == "The invoice has not been paid."
        assert refusal(OrderRefused("no_such_reason"), default="order_unchanged") == (
            "The order could not be changed."
        )


def test_a_lock_says_until_when_in_local_time(settings):
    settings.TIME_ZONE = "Europe/Copenhagen"
    with translation.override("en"):
        said = refusal(Locked(datetime(2026, 1, 5, 11, 30, tzinfo=UTC)))
    assert said == "Too many wrong tries. Wait until 12:30 and try again."
