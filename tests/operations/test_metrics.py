"""Prometheus metrics: counted from the audit events, timed per view, read with a token, summed
over every server process (segl.metrics, decision 26)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import make_person
from tests.processes import PORT, clean_env, segl, serving

TOKEN = "metrics-token-for-the-tests-0123456789abcdef"
BEARER = {"HTTP_AUTHORIZATION": f"Bearer {TOKEN}"}


def parse(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def scrape(client) -> dict:
    response = client.get("/metrics", **BEARER)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain")
    return parse(response.content.decode())


def test_without_a_token_there_are_no_metrics(db, client):
    assert client.get("/metrics").status_code == 404
    assert client.get("/metrics", **BEARER).status_code == 404


def test_only_the_token_reads_the_metrics(db, client, config):
    config(metrics_token=TOKEN)
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_AUTHORIZATION": TOKEN}):
        refused = client.get("/metrics", **headers)
        assert refused.status_code == 401 and "Bearer" in refused["WWW-Authenticate"]
        assert b"segl_" not in refused.content
    assert client.get("/metrics", **BEARER).status_code == 200


@pytest.mark.django_db(transaction=True)
def test_logins_failures_and_locks_are_counted_through_the_pages(driver, config):
    config(metrics_token=TOKEN)
    client = driver.client
    before = scrape(client)
    anna, bo = make_person("metrics-anna-1"), make_person("metrics-bo-1")
    now = datetime.now(UTC)

    def wrong(token) -> str:
        valid = {token.code(now + timedelta(seconds=30 * d)) for d in (-1, 0, 1)}
        return next(c for c in ("481516", "623342", "908172") if c not in valid)

    url, _, _ = driver.start()
    driver.user_id(url, anna.user_id)
    driver.code(url, wrong(anna.token))
    driver.code(url, anna.token.code())
    driver.password(url)
    driver.finish(url)
    url, _, _ = driver.start()  # three wrong codes suspend Bo's device
    driver.user_id(url, bo.user_id)
    for _ in range(3):
        driver.code(url, wrong(bo.token))

    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("segl_logins_started_total") == 2
    assert grew("segl_logins_succeeded_total") == 1
    assert grew("segl_code_failures_total", kind="code_display") == 4
    assert grew("segl_login_failures_total", step="code") == 4
    assert grew("segl_locks_total", what="device_suspended") == 1
    assert grew("segl_request_duration_seconds_count", view="flows:step") >= 8
    assert grew("segl_request_duration_seconds_count", view="oauth2_provider:authorize") == 2


@pytest.mark.django_db(transaction=True)
def test_app_answers_and_locks_are_counted_from_their_audit_events(client, config):
    from segl.audit.services import audit_record

    config(metrics_token=TOKEN)
    before = scrape(client)
    for outcome in ("approve", "approve", "reject", "fraud"):
        audit_record(action="app.answer", outcome=outcome, subject="u", data={"flow": "f"})
    audit_record(action="app.unlock", outcome="locked", subject="u")
    audit_record(action="password.disable", subject="u")
    after = scrape(client)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("segl_app_answers_total", decision="approve") == 2
    assert grew("segl_app_answers_total", decision="reject") == 1
    assert grew("segl_login_failures_total", step="app") == 2
    assert grew("segl_locks_total", what="app_locked") == 1
    assert grew("segl_locks_total", what="password_blocked") == 1


def test_several_workers_report_one_sum_and_log_json_lines(tmp_path: Path):
    """``segl serve --workers 2``: whichever process answers a scrape, it counts every
    request the two served; each wrote its request lines to standard error."""
    port = PORT + 7
    env_file = tmp_path / "segl.env"
    done = segl(clean_env(), "init", "--env", "development", "--env-file", str(env_file))
    assert done.returncode == 0, done.stderr
    env = clean_env(
        SEGL_ENV_FILE=str(env_file),
        SEGL_BASE_URL=f"http://localhost:{port}",
        SEGL_METRICS_TOKEN=TOKEN,
    )
    log = tmp_path / "serve.log"
    with serving(env, port, "--workers", "2", log=log) as url:
        bearer = {"Authorization": f"Bearer {TOKEN}"}

        def healthz_count() -> float:
            text = requests.get(url + "/metrics", headers=bearer, timeout=10).text
            return value(parse(text), "segl_request_duration_seconds_count", view="healthz")

        before = healthz_count()
        served = 0
        for _ in range(10):  # until both processes have answered some of them
            get = {"url": url + "/healthz?code=123456", "timeout": 10}
            threads = [threading.Thread(target=requests.get, kwargs=get) for _ in range(20)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            served += 20
            lines = [line for line in log.read_text().splitlines() if '"/healthz"' in line]
            if len({line.split('"pid":')[1].split(",")[0] for line in lines}) == 2:
                break
        assert {healthz_count() - before for _ in range(6)} == {served}
    assert (tmp_path / "metrics" / str(port)).is_dir()
    lines = [line for line in log.read_text().splitlines() if '"logger":"segl.request"' in line]
    assert lines and "123456" not in log.read_text()
    assert len({line.split('"pid":')[1].split(",")[0] for line in lines}) == 2
