"""The fulfilment page's operators became staff with the fulfilment role (decision 33): a grant
made before is a role after, and the way back gives it back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from segl.centres.models import StaffRole
from tests.conftest import make_person

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("orders", "0004_alter_order_identified_by"), ("centres", "0001_initial")]
GRANTED = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


def test_a_fulfilment_operator_is_fulfilment_staff_after_the_move_and_back():
    packer = make_person("mig-packer")
    newest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    try:
        old = migrate(BEFORE)
        old.get_model("orders", "FulfilmentOperator").objects.create(
            identity_id=packer.identity.pk, added_at=GRANTED, added_by="cli"
        )
        migrate(newest)
        role = StaffRole.objects.get(identity=packer.identity)
        assert (role.role, role.centre, role.granted_by, role.granted_at) == (
            "fulfilment",
            "kbh-vesterbro",
            "cli",
            GRANTED,
        )
        back = migrate(BEFORE)
        (row,) = back.get_model("orders", "FulfilmentOperator").objects.all()
        assert row.identity_id == packer.identity.pk and row.added_by == "cli"
    finally:
        migrate(newest)
