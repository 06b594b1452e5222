"""The proofing API's OpenAPI description (src/segl/proofing/openapi.yaml): valid, complete,
served, and true to the server. Schemathesis generates calls to every operation, valid and
invalid, and sends them to the Django app in process with a proofing's secret: no answer may be
a server error, and every valid call's answer must be as documented."""

from __future__ import annotations

import re

import hypothesis
import pytest
import schemathesis
import yaml
from django.urls import URLPattern, resolve

from segl.proofing import urls
from segl.proofing.api import OPENAPI, STATUS
from tests.app.test_openapi import _config, in_process

SPEC = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
BASE_PATH = SPEC["servers"][0]["url"]
SERVED_AT = BASE_PATH + "/openapi.yaml"


schema = schemathesis.openapi.from_path(
    OPENAPI,
    config=_config(
        "positive",
        [
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_schema_conformance",
        ],
    ),
)
negative = schemathesis.openapi.from_path(
    OPENAPI, config=_config("negative", ["not_a_server_error"])
)
SHARED_FIXTURES = hypothesis.settings(
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture]
)


def test_the_description_is_valid_and_names_every_route():
    schema.validate()
    routes = {}
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        if pattern.name != "openapi":
            route = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", str(pattern.pattern))
            routes[route] = pattern.name
    assert set(SPEC["paths"]) == set(routes)
    for path, name in routes.items():
        assert resolve(BASE_PATH + re.sub(r"\{\w+\}", "x" * 22, path)).url_name == name


def test_every_refusal_status_is_documented():
    documented = {
        int(c)
        for p in SPEC["paths"].values()
        for op in p.values()
        for c in op["responses"]
        if c.startswith("4")
    }
    assert set(STATUS.values()) <= documented


@pytest.mark.django_db
def test_the_description_is_served(client):
    response = client.get(SERVED_AT)
    assert response.status_code == 200 and response.content == OPENAPI.read_bytes()


@pytest.fixture
def wsgi():
    from django.core.handlers.wsgi import WSGIHandler

    return in_process(WSGIHandler())


@pytest.fixture
def secret(db, trusted) -> str:
    from datetime import UTC, datetime

    from segl.proofing.services import proofing_start, proofing_terms

    _, made = proofing_start(now=datetime.now(UTC))
    proofing_terms(secret=made, now=datetime.now(UTC))
    return made


@schema.parametrize()
@SHARED_FIXTURES
def test_valid_calls_are_answered_as_described(case, secret, wsgi):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {secret}"}
    case.call_and_validate(app=wsgi)


@negative.parametrize()
@SHARED_FIXTURES
def test_invalid_calls_are_refused_without_a_server_error(case, secret, wsgi):
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {secret}"}
    case.call_and_validate(app=wsgi)
