"""Redis away: logins still work and the rate limits still hold, counted in the database
(segl.http.hit, segl.limits, decision 38); never a server error."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.cache import cache

from segl import clock, http
from segl.limits.models import RateWindow
from segl.limits.store import count_in_database, purge

pytestmark = pytest.mark.django_db

NOWHERE = "redis://127.0.0.1:9/0"  # nothing listens there: connections are refused


@pytest.fixture
def redis_away(settings: pytest.FixtureRequest) -> Iterator[None]:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": NOWHERE,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    http._cache_down_until[0] = 0.0
    yield
    http._cache_down_until[0] = 0.0


def test_a_login_goes_through_with_redis_away_and_its_limits_are_counted_in_the_database(
    redis_away, driver, anna
):
    params_query, _, verifier = driver.login(anna)
    assert driver.token(params_query["code"][0], verifier).status_code == 200
    keys = set(RateWindow.objects.values_list("key", flat=True))
    # The user ID's and the address's counts are there, under hashes only.
    assert keys and all(len(key) == 64 for key in keys)
    assert anna.user_id not in str(list(RateWindow.objects.values()))
    assert "127.0.0.1" not in str(list(RateWindow.objects.values()))


def test_the_limit_per_user_id_holds_with_redis_away(redis_away, driver, anna, config):
    config(rate_limit_user_per_minute=2)
    statuses = []
    for _ in range(3):
        url, _, _ = driver.start()
        statuses.append(driver.user_id(url, anna.user_id).status_code)
    assert statuses == [302, 302, 429]


def test_a_refused_redis_is_tried_again_only_after_a_pause(redis_away, monkeypatch):
    tries = []
    real = http._cache_count

    def counting(cache_key: str, window: int) -> int:
        tries.append(cache_key)
        return real(cache_key, window)

    monkeypatch.setattr(http, "_cache_count", counting)
    assert [http.hit("pause", 2) for _ in range(3)] == [False, False, True]
    assert len(tries) == 1  # the first found Redis away; the next two went to the database
    http._cache_down_until[0] = 0.0  # the pause is over
    http.hit("pause", 2)
    assert len(tries) == 2


def test_with_the_cache_there_it_counts_and_the_database_is_left_alone():
    http._cache_down_until[0] = 0.0
    cache.clear()
    assert [http.hit("back", 1) for _ in range(2)] == [False, True]
    assert not RateWindow.objects.exists()  # counted where it belongs


def test_each_window_counts_from_one_and_past_windows_are_purged():
    now = clock.now().replace(second=10, microsecond=0)
    assert [count_in_database("k", 60, now) for _ in range(3)] == [1, 2, 3]
    assert count_in_database("k", 60, now + timedelta(minutes=1)) == 1
    assert count_in_database("other", 60, now) == 1
    row = RateWindow.objects.get(key=hashlib.sha256(b"k").hexdigest(), count=3)
    assert row.window % 60 == 0
    assert purge(now + timedelta(minutes=1, seconds=30)) == 0  # the windows just past are kept
    assert purge(now + timedelta(minutes=3)) == 3
    assert not RateWindow.objects.exists()
