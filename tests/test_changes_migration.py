"""DelayedChange moved from the app to segl.changes (decision 25): the rows written before the
move are there after it, each now on its app's authenticator; and back again on a downgrade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from segl.app.models import AppInstance
from segl.authenticators.models import Authenticator, Kind
from segl.changes.models import DelayedChange
from tests.conftest import make_person

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("app", "0002_decoy_requests")]
REQUESTED = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def newest():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def an_app(user_id: str) -> AppInstance:
    person = make_person(user_id)
    auth = Authenticator.objects.create(
        identity=person.identity, kind=Kind.APP, name="segl app", activated_at=REQUESTED
    )
    return AppInstance.objects.create(
        authenticator=auth,
        thumbprint=f"thumb-{user_id}",
        public_key={},
        pin_hash="x",
        created_at=REQUESTED,
    )


@pytest.fixture
def moved():
    """Two apps, then the code before the move writes a waiting and a confirmed change."""
    first, second = an_app("mig-one"), an_app("mig-two")
    try:
        old = migrate(BEFORE)
        Old = old.get_model("app", "DelayedChange")
        Old.objects.create(
            id=7,
            instance_id=first.pk,
            what="one_time_codes",
            requested_at=REQUESTED,
            effective_at=REQUESTED + timedelta(hours=24),
        )
        Old.objects.create(
            id=8,
            instance_id=second.pk,
            what="one_time_codes",
            requested_at=REQUESTED,
            effective_at=REQUESTED + timedelta(hours=24),
            confirmed_at=REQUESTED + timedelta(hours=25),
        )
        migrate(newest())
        yield first, second
    finally:
        migrate(newest())
        DelayedChange.objects.all().delete()


def test_the_move_keeps_every_change_on_its_apps_authenticator(moved):
    first, second = moved
    rows = {c.pk: c for c in DelayedChange.objects.all()}
    assert set(rows) == {7, 8}
    assert rows[7].authenticator_id == first.authenticator_id
    assert rows[8].authenticator_id == second.authenticator_id
    assert rows[7].effective_at == REQUESTED + timedelta(hours=24) and rows[7].confirmed_at is None
    assert rows[8].confirmed_at == REQUESTED + timedelta(hours=25)
    assert DelayedChange._meta.db_table == "app_delayedchange"


def test_a_downgrade_gives_each_change_its_app_back(moved):
    first, second = moved
    old = migrate(BEFORE)
    rows = dict(old.get_model("app", "DelayedChange").objects.values_list("pk", "instance_id"))
    assert rows == {7: first.pk, 8: second.pk}
