"""An app request keeps its login's id across the upgrade that drops the foreign key to the flow,
and is purged by age once the login it belonged to is long over."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from importlib import import_module

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

MIGRATION = "0004_request_flow_id"
AFTER = [("app", MIGRATION)]
# Just before it: what it depends on.
BEFORE = list(import_module(f"segl.app.migrations.{MIGRATION}").Migration.dependencies)


def migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_the_login_id_survives_the_upgrade():
    old = migrate(BEFORE)
    try:
        from segl.oidc.services import rp_add

        application, _ = rp_add(name="Migration RP", redirect_uris=["https://rp.example/cb"])
        Flow = old.get_model("flows", "Flow")
        AppRequest = old.get_model("app", "AppRequest")
        now = datetime(2026, 1, 1, 12, tzinfo=UTC)
        flow = Flow.objects.create(
            id="f" * 24,
            application_id=application.pk,
            authorize_uri="/o/authorize/",
            browser_key_hash="0" * 64,
            expires_at=now,
            created_at=now,
        )
        AppRequest.objects.create(
            id="r" * 32,
            flow=flow,
            qr_secret="s",
            text_sha256="t" * 64,
            created_at=now,
            expires_at=now,
        )
        new = migrate(AFTER)
        kept = new.get_model("app", "AppRequest").objects.get()
        assert kept.flow_id == "f" * 24
        # The flow goes (purged) and its request stays until purged by age itself.
        new.get_model("flows", "Flow").objects.all().delete()
        assert new.get_model("app", "AppRequest").objects.count() == 1
    finally:
        call_command("migrate", verbosity=0)


@pytest.mark.django_db
def test_requests_are_purged_with_the_logins_age(driver):
    from segl.app.models import AppRequest
    from segl.app.services import app_purge
    from segl.flows.models import Flow
    from segl.flows.services import flows_purge

    url, _, _ = driver.start()
    driver.user_id(url, "nobody-here")
    driver.post(url + "method/", {"method": "app"})
    request = AppRequest.objects.get()
    assert request.flow_id == url.rstrip("/").split("/")[-1]

    keep = timedelta(hours=24)
    now = datetime.now(UTC)
    assert app_purge(now=now, keep=keep)["app_requests"] == 0
    later = Flow.objects.get().expires_at + keep + timedelta(seconds=1)
    assert flows_purge(now=later, keep=keep)["flows"] == 1
    assert app_purge(now=later, keep=keep)["app_requests"] == 1
    assert not AppRequest.objects.exists()
