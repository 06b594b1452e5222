"""The app API's OpenAPI description (src/segl/app/openapi.yaml): valid, complete, served, and
true to the server. Schemathesis generates calls to every operation from it and sends them to
the Django app in process, each with a fresh DPoP proof by a registered, unlocked app's key; no
answer may be a server error, and every answer must be as documented."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
import yaml
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client
from django.urls import URLPattern, resolve
from jwcrypto import jwk

from segl import clock
from segl.app import urls
from segl.app.api import base as api
from segl.app.api import login
from segl.app.models import AppInstance
from segl.app.views import OPENAPI
from segl.authenticators.models import Authenticator
from segl.core.dpop import make_dpop
from segl.core.jose import b64, public_jwk, sign_jws
from tests.app.conftest import PIN, activate, emulator
from tests.conftest import make_person

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

SERVED_AT = "/app/api/openapi.yaml"
SPEC = yaml.safe_load(OPENAPI.read_text(encoding="utf-8"))
BASE_PATH = SPEC["servers"][0]["url"]
SAMPLE_ID = "x" * 22  # the length of a copy offer's ID


def _config(mode: str, checks: list[str]) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": 2580,
            "generation": {
                "mode": mode,
                "max-examples": 25,
                "deterministic": True,
                "database": "none",
            },
            "phases": {"stateful": {"enabled": False}},
            "checks": {"enabled": False, **{name: {"enabled": True} for name in checks}},
        }
    )


# Valid calls: no server error, and the status, content type, headers and body as documented.
schema = schemathesis.openapi.from_path(
    OPENAPI,
    config=_config(
        "positive",
        [
            "not_a_server_error",
            "status_code_conformance",
            "content_type_conformance",
            "response_headers_conformance",
            "response_schema_conformance",
        ],
    ),
)
# Invalid calls (wrong types, missing fields, bad parameters): refused, never a server error.
negative = schemathesis.openapi.from_path(
    OPENAPI, config=_config("negative", ["not_a_server_error"])
)


def in_process(handler: WSGIHandler) -> Wsgi:
    """The Django app as WSGI for the test's own database connection: like Django's test client,
    a request must not close the connection, or the test's transaction would be lost."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            result = handler(environ, start_response)
            try:
                return [b"".join(result)]
            finally:
                result.close()  # type: ignore[attr-defined]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)

    return app


@pytest.fixture
def wsgi() -> Wsgi:
    return in_process(WSGIHandler())


@dataclass
class Registered:
    user_id: str
    key: jwk.JWK
    instance_id: int
    authenticator_id: int

    def ready(self) -> None:
        """Active, not locked and unlocked by PIN, whatever the examples before did (five wrong
        PINs lock the app, and schemathesis tries many PINs)."""
        AppInstance.objects.filter(pk=self.instance_id).update(
            locked_at=None,
            pin_failures=0,
            unlocked_until=clock.now() + timedelta(minutes=5),
            unlocked_by="pin",
        )
        Authenticator.objects.filter(pk=self.authenticator_id).update(
            status=Authenticator.Status.ACTIVE
        )


@pytest.fixture
def registered(db: Any, monkeypatch: pytest.MonkeyPatch) -> Registered:
    # A long-poll waits for a request that never comes: keep ``wait`` short, but on its path.
    monkeypatch.setattr(login, "LONG_POLL_SECONDS", 0.05)
    monkeypatch.setattr(login, "POLL_INTERVAL", 0.01)
    person = make_person("openapi-app-1")
    app = emulator()
    activate(app, person)
    app.unlock(person.user_id, PIN)
    instance = AppInstance.objects.get(authenticator__identity=person.identity)
    return Registered(
        user_id=person.user_id,
        key=app.registration(person.user_id).key,
        instance_id=instance.pk,
        authenticator_id=instance.authenticator_id,
    )


def needs_proof(operation: schemathesis.APIOperation) -> bool:
    return bool(operation.definition.raw.get("security", SPEC["security"]))


def prove(case: schemathesis.Case, key: jwk.JWK) -> None:
    """A fresh DPoP proof by ``key`` for exactly this call (method and URL, without query)."""
    if not needs_proof(case.operation):
        return
    path = case.operation.schema.get_full_path(case.formatted_path)
    case.headers["DPoP"] = make_dpop(
        key, method=case.method, url=settings.CONFIG.base_url + path, now=datetime.now(UTC)
    )


# -- the description --------------------------------------------------------------------------


def _routes() -> Iterator[tuple[str, URLPattern]]:
    for pattern in urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        if route.startswith("api/") and pattern.name != "openapi":
            yield "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route.removeprefix("api/")), pattern


def test_the_description_is_valid_openapi_3_1():
    assert SPEC["openapi"].startswith("3.1.")
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    assert BASE_PATH == "/app/api"
    dpop = SPEC["components"]["securitySchemes"]["DPoP"]
    assert (dpop["type"], dpop["in"], dpop["name"]) == ("apiKey", "header", "DPoP")
    for word in ("RFC 9449", "ES256", "P-256", "htm", "htu", "iat", "jti", "once"):
        assert word in dpop["description"], word


def test_every_api_route_is_described_and_every_described_path_exists():
    routes = dict(_routes())
    assert set(SPEC["paths"]) == set(routes)
    for path, pattern in routes.items():
        sample = re.sub(r"\{\w+\}", SAMPLE_ID, path)
        assert resolve(BASE_PATH + sample).url_name == pattern.name, path


def test_every_operation_documents_its_refusals_with_the_error_schema():
    for operation in schema.get_all_operations():
        op = operation.ok()
        responses = op.definition.raw["responses"]
        errors = {code for code in responses if code.startswith(("4", "5"))}
        assert "429" in errors, op.label
        if needs_proof(op):
            assert {"401"} <= errors, op.label
            assert responses["401"]["$ref"] == "#/components/responses/Unauthorized"
        for code in errors:
            ref = responses[code]["$ref"].rsplit("/", 1)[1]
            shared = SPEC["components"]["responses"][ref]
            error_ref = "#/components/schemas/Error"
            assert shared["content"]["application/json"]["schema"]["$ref"] == error_ref


def test_every_refusal_status_in_the_api_is_documented_somewhere():
    documented = {
        int(code)
        for path in SPEC["paths"].values()
        for op in path.values()
        for code in op["responses"]
        if code.startswith("4")
    }
    assert set(api.STATUS.values()) <= documented


@pytest.mark.django_db
def test_the_description_is_served_and_schemathesis_loads_it(client, wsgi):
    response = client.get(SERVED_AT)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/yaml"
    assert response.content == OPENAPI.read_bytes()
    served = schemathesis.openapi.from_wsgi(SERVED_AT, wsgi)
    served.validate()
    assert {op.ok().label for op in served.get_all_operations()} == {
        op.ok().label for op in schema.get_all_operations()
    }


# -- the server answers as described ----------------------------------------------------------

# One app for all of an operation's examples: ``Registered.ready`` puts it back each time.
SHARED_FIXTURES = hypothesis.settings(
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture]
)


@schema.parametrize()
@SHARED_FIXTURES
def test_valid_calls_are_answered_as_described(case, registered, wsgi):
    registered.ready()
    prove(case, registered.key)
    response = case.call_and_validate(app=wsgi)
    if needs_proof(case.operation):
        assert response.status_code != 401, response.text


@negative.parametrize()
@SHARED_FIXTURES
def test_invalid_calls_are_refused_without_a_server_error(case, registered, wsgi):
    registered.ready()
    prove(case, registered.key)
    case.call_and_validate(app=wsgi)


# -- no proof, no entry ---------------------------------------------------------------------

# These take a proof by any key (the new app's, not registered yet); the others need an app's.
ANY_KEY = {"POST /activation/finish", "POST /copy/scan", "POST /copy/finish"}
PROVEN = [op.ok() for op in schema.get_all_operations() if needs_proof(op.ok())]


def _minimal_body(operation: schemathesis.APIOperation) -> dict[str, Any] | None:
    """A body with every required field, so that only the proof can be wrong."""
    body = operation.definition.raw.get("requestBody")
    if body is None:
        return None
    found = body["content"]["application/json"]["schema"]
    if "$ref" in found:
        found = SPEC["components"]["schemas"][found["$ref"].rsplit("/", 1)[1]]
    values = {"string": "1234", "object": {}, "boolean": True}
    required = found.get("required", [])
    return {name: values[found["properties"][name].get("type", "string")] for name in required}


def _b64json(value: Any) -> str:
    return b64(json.dumps(value).encode())


def _proof(key: jwk.JWK, method: str, url: str, *, age: timedelta = timedelta(0)) -> str:
    return make_dpop(key, method=method, url=url, now=datetime.now(UTC) - age)


def _bad_proofs(key: jwk.JWK, method: str, url: str) -> dict[str, str | None]:
    """Proofs the server must refuse with 401, each for its own reason."""
    header, claims, signature = _proof(key, method, url).split(".")
    typ = {"typ": "JWT", "alg": "ES256", "jwk": public_jwk(key)}
    claims_now = {"jti": "a" * 16, "htm": method, "htu": url, "iat": int(time.time())}
    hs256 = {"typ": "dpop+jwt", "alg": "HS256", "jwk": public_jwk(key)}
    private = {"typ": "dpop+jwt", "alg": "ES256", "jwk": json.loads(key.export_private())}
    return {
        "none": None,
        "empty": "",
        "garbage": "not a proof",
        "three_parts": "a.b.c",
        "not_json": "bm90IGpzb24.e30.AAAA",
        "too_long": "a" * 4000 + "." + "b" * 100 + ".c",
        "forged_signature": f"{header}.{claims}.{signature[::-1]}",
        "wrong_type": sign_jws(key, typ, claims_now),
        "wrong_algorithm": f"{_b64json(hs256)}.{_b64json(claims_now)}.AAAA",
        "private_key": f"{_b64json(private)}.{_b64json(claims_now)}.AAAA",
        "other_url": _proof(key, method, url + "/elsewhere"),
        "other_method": _proof(key, "PUT", url),
        "stale": _proof(key, method, url, age=timedelta(minutes=5)),
        "from_the_future": _proof(key, method, url, age=-timedelta(minutes=5)),
        "short_jti": sign_jws(key, typ | {"typ": "dpop+jwt"}, claims_now | {"jti": "x"}),
    }


def _call(operation: schemathesis.APIOperation, wsgi: Wsgi, proof: str | None) -> Any:
    """Call ``operation`` with this proof (or none); the answer must be as documented."""
    case = operation.Case(
        path_parameters={p.name: SAMPLE_ID for p in operation.path_parameters},
        headers={} if proof is None else {"DPoP": proof},
        **({} if (body := _minimal_body(operation)) is None else {"body": body}),
    )
    return case.call_and_validate(app=wsgi)


@pytest.mark.parametrize("operation", PROVEN, ids=lambda op: op.label)
def test_a_missing_or_bad_proof_is_401_never_a_server_error(operation, registered, wsgi):
    method = operation.method.upper()
    path = operation.schema.get_full_path(re.sub(r"\{\w+\}", SAMPLE_ID, operation.path))
    url = settings.CONFIG.base_url + path
    bad = _bad_proofs(registered.key, method, url)
    if operation.label not in ANY_KEY:  # a good proof, but by a key that is no app's
        bad["unknown_key"] = _proof(jwk.JWK.generate(kty="EC", crv="P-256"), method, url)
    for name, proof in bad.items():
        registered.ready()
        response = _call(operation, wsgi, proof)
        assert response.status_code == 401, (name, response.text)
        assert response.headers["www-authenticate"] == ['DPoP algs="ES256"']
        assert response.json()["error"] == "proof_invalid", name


def test_a_proof_is_used_once(registered, wsgi):
    operation = schema["/me"]["GET"]
    proof = _proof(registered.key, "GET", settings.CONFIG.base_url + BASE_PATH + "/me")
    assert _call(operation, wsgi, proof).status_code == 200
    again = _call(operation, wsgi, proof)
    assert (again.status_code, again.json()["reason"]) == (401, "jti_replayed")


# -- bodies that once gave a server error ------------------------------------------------------


BODIES = {
    # json raises RecursionError for this (10 KB, under the 16 KiB limit).
    "deeply_nested": "[" * 5000 + "]" * 5000,
    # Valid JSON, but no UTF-8 text can hold a lone surrogate.
    "lone_surrogate": '{"user_id": "\\ud800", "activation_code": "ABCD-EFGH-JKLM"}',
}


@pytest.mark.django_db
@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_a_strange_body_is_refused_not_a_server_error(body):
    client = Client(raise_request_exception=False)
    response = client.post("/app/api/activation/start", body, content_type="application/json")
    assert (response.status_code, response.json()["reason"]) == (400, "body_not_json")
