"""No secret in a repr: the configuration and what holds a key print their shape, never a key."""

from __future__ import annotations

import dataclasses

from segl.config import Config, load

TOKEN = "a-metrics-token-long-enough-to-be-allowed-0123456789"


def secret_values(config: Config) -> list[str]:
    """Every secret of ``config``, whole and in the parts a careless repr might show."""
    values = [
        config.secret_key,
        config.keyring,
        config.oidc_private_key,
        config.audit_keys,
        config.audit_signing_key or "",
        config.demo_rp_secret,
        config.metrics_token,
        config.face_vendor_token,
    ]
    for ring in (config.keyring, config.audit_keys):
        values += [entry.partition(":")[2] for entry in ring.split(",")]
    for pem in (config.oidc_private_key, config.audit_signing_key or ""):
        values += [line for line in pem.splitlines() if line and "PRIVATE KEY" not in line]
    return [value for value in values if value]


def test_the_configuration_names_no_secret_in_its_repr():
    config = load(
        {
            "SEGL_ENV": "test",
            "SEGL_METRICS_TOKEN": TOKEN,
            "SEGL_FACE_VENDOR_TOKEN": "vendor-" + TOKEN,
        }
    )
    assert len(secret_values(config)) > 10
    for shown in (repr(config), str(config), f"{config}", f"{config!r}"):
        assert "secret_key" not in shown and "oidc_private_key" not in shown
        for value in secret_values(config):
            assert value not in shown
    # Every other setting is there to read.
    assert "base_url='http://localhost:8000'" in repr(config)
    secret_fields = {f.name for f in dataclasses.fields(config) if not f.repr}
    assert secret_fields == {
        "secret_key",
        "keyring",
        "oidc_private_key",
        "demo_rp_secret",
        "audit_keys",
        "audit_signing_key",
        "metrics_token",
        "face_vendor_token",
    }


def test_what_holds_the_keys_names_none_of_them(settings):
    from segl.audit.keys import audit_keys, signing_key
    from segl.keys import keyring

    config = settings.CONFIG
    holders = [config, keyring(), audit_keys(), signing_key()]
    shown = " ".join(repr(holder) + str(holder) for holder in holders)
    for value in secret_values(config):
        assert value not in shown
    assert "audit-test1" in shown  # key ids are not secret, and help an operator
