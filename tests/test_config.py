"""Configuration: secure by default, clear errors naming the setting."""

from __future__ import annotations

import pytest

from segl.config import ConfigError, load

PEM = "-----BEGIN PRIVATE KEY-----\nMII\n-----END PRIVATE KEY-----\n"
GOOD = {
    "SEGL_SECRET_KEY": "x" * 40,
    "SEGL_KEYS": "k1:" + "A" * 43,
    "SEGL_OIDC_PRIVATE_KEY": PEM,
    "SEGL_AUDIT_KEYS": "a1:" + "AQEB" * 10 + "AQE",
}


def test_production_needs_every_secret():
    with pytest.raises(ConfigError) as err:
        load({})
    for name in ("SEGL_SECRET_KEY", "SEGL_KEYS", "SEGL_OIDC_PRIVATE_KEY_FILE", "SEGL_AUDIT_KEYS"):
        assert name in str(err.value)


def test_production_is_the_default_and_not_debug():
    config = load({**GOOD, "SEGL_BASE_URL": "https://id.example"})
    assert config.env == "production" and config.debug is False and config.demo is False
    assert config.issuer == "https://id.example/o"


def test_production_wants_https():
    with pytest.raises(ConfigError, match="https"):
        load({**GOOD, "SEGL_BASE_URL": "http://id.example"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SEGL_CODE_LOCK_MINUTES", "soon"),
        ("SEGL_CODE_LOCK_MINUTES", "0"),
        ("SEGL_DEBUG", "maybe"),
        ("SEGL_ENV", "staging"),
        ("SEGL_SMS_GATEWAY", "not a path"),
        ("SEGL_PAYMENT_PROVIDER", "Invoice"),
        ("SEGL_FAILURE_LIMIT", "101"),  # NIST SP 800-63B: no more than 100
        ("SEGL_FAILURE_LIMIT", "9"),
        ("SEGL_SUPPORT_EMAIL", "support"),
        ("SEGL_SUPPORT_EMAIL", "support@localhost"),
        ("SEGL_SUPPORT_EMAIL", "Support <support@kommune.dk>"),
    ],
)
def test_malformed_values_are_named(name, value):
    with pytest.raises(ConfigError, match=name):
        load({**GOOD, "SEGL_BASE_URL": "https://id.example", name: value})


def test_the_failure_limit_is_100_unless_set_lower():
    assert load({**GOOD, "SEGL_BASE_URL": "https://id.example"}).failure_limit == 100
    lower = {**GOOD, "SEGL_BASE_URL": "https://id.example", "SEGL_FAILURE_LIMIT": "20"}
    assert load(lower).failure_limit == 20


def test_the_support_address_is_the_demo_s_unless_set_and_none_in_production():
    production = {**GOOD, "SEGL_BASE_URL": "https://id.example"}
    assert load(production).support_email == ""
    assert load({**production, "SEGL_SUPPORT_EMAIL": " hjaelp@kommune.dk "}).support_email == (
        "hjaelp@kommune.dk"
    )
    assert load({"SEGL_ENV": "test"}).support_email == "support@segl.example"


def test_short_secret_key_is_refused():
    with pytest.raises(ConfigError, match="SEGL_SECRET_KEY"):
        load({**GOOD, "SEGL_SECRET_KEY": "short"})


def test_env_file_is_read(tmp_path):
    env_file = tmp_path / "segl.env"
    env_file.write_text(
        "SEGL_ENV=development\nSEGL_SECRET_KEY="
        + "y" * 40
        + "\nSEGL_KEYS=k1:abc\nSEGL_AUDIT_KEYS=a1:"
        + "AQEB" * 10
        + "AQE"
        + "\nSEGL_OIDC_PRIVATE_KEY="
        + PEM.replace("\n", "\\n")
        + "\n"
    )
    config = load({"SEGL_ENV_FILE": str(env_file)})
    assert config.env == "development" and config.secret_key == "y" * 40 and config.demo


def test_security_times_and_limits_default_to_the_rules():
    config = load({**GOOD, "SEGL_BASE_URL": "https://id.example"})
    # 3 wrong codes suspend for 15 minutes, 5 wrong passwords lock for 15, a login lasts 10.
    assert config.code_lock_minutes == 15
    assert config.password_lock_minutes == 15
    assert config.flow_minutes == 10
    assert config.rate_limit_ip_per_minute == 60
    assert config.rate_limit_user_per_minute == 10


def test_gateway_and_payment_provider_are_named_by_dotted_path():
    config = load(
        {**GOOD, "SEGL_BASE_URL": "https://id.example", "SEGL_SMS_GATEWAY": "mysms.gateway.Sms"}
    )
    assert config.notices.sms_gateway == "mysms.gateway.Sms"
    assert config.payment_provider == "segl.orders.payments.InvoiceProvider"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("SEGL_AUDIT_KEYS", "a1:short", "SEGL_AUDIT_KEYS"),
        ("SEGL_AUDIT_KEYS", "no key id", "SEGL_AUDIT_KEYS"),
        ("SEGL_AUDIT_KEYS", "k1:" + "A" * 43, "must not reuse a key of SEGL_KEYS"),
        ("SEGL_AUDIT_KEYS", "a1:" + "AQEB" * 10 + "AQE,k9:" + "A" * 43, "SEGL_KEYS"),
        ("SEGL_AUDIT_SIGNING_KEY", PEM, "audit signing key"),
        ("SEGL_AUDIT_SIGNING_KEY_FILE", "/nonexistent/audit.pem", "SEGL_AUDIT_SIGNING_KEY_FILE"),
        ("SEGL_AUDIT_SYSLOG", "loghost", "SEGL_AUDIT_SYSLOG"),
        ("SEGL_AUDIT_CHECKPOINT_SINK", "not a path", "SEGL_AUDIT_CHECKPOINT_SINK"),
        ("SEGL_AUDIT_PARTITIONS", "0", "SEGL_AUDIT_PARTITIONS"),
    ],
)
def test_audit_settings_are_checked_at_start(name, value, says):
    with pytest.raises(ConfigError, match=says):
        load({**GOOD, "SEGL_BASE_URL": "https://id.example", name: value})


def test_the_audit_signing_key_is_optional_and_read_from_its_file(tmp_path):
    from segl.core.checkpoints import generate_signing_key_pem

    config = load({**GOOD, "SEGL_BASE_URL": "https://id.example"})
    assert config.audit_signing_key is None and config.audit_checkpoint_file is None
    key_file = tmp_path / "audit.pem"
    key_file.write_bytes(generate_signing_key_pem())
    config = load(
        {
            **GOOD,
            "SEGL_BASE_URL": "https://id.example",
            "SEGL_AUDIT_SIGNING_KEY_FILE": str(key_file),
            "SEGL_AUDIT_CHECKPOINT_FILE": str(tmp_path / "checkpoints.jsonl"),
            "SEGL_AUDIT_SYSLOG": "/dev/log",
        }
    )
    assert config.audit_signing_key == key_file.read_text()
    assert config.audit_checkpoint_file == tmp_path / "checkpoints.jsonl"
    assert config.audit_syslog == "/dev/log" and config.audit_partitions == 8


def test_email_goes_by_django_mail_once_a_host_or_backend_is_set():
    assert load(GOOD).notices.email_gateway == "segl.notify.gateways.OutboxGateway"
    smtp = load({**GOOD, "SEGL_EMAIL_HOST": "mail.example", "SEGL_EMAIL_SECURITY": "tls",
                 "SEGL_EMAIL_PASSWORD": "mail-secret-1"}).notices  # fmt: skip
    assert smtp.email_gateway == "segl.notify.mail.DjangoMail"
    assert (smtp.email_host, smtp.email_port, smtp.email_security) == ("mail.example", 465, "tls")
    assert "mail-secret-1" not in repr(smtp)
    api = load({**GOOD, "SEGL_EMAIL_BACKEND": "anymail.backends.postmark.EmailBackend",
                "SEGL_ANYMAIL": '{"POSTMARK_SERVER_TOKEN": "t-1"}'}).notices  # fmt: skip
    assert api.email_gateway == "segl.notify.mail.DjangoMail"
    assert api.anymail == {"POSTMARK_SERVER_TOKEN": "t-1"} and "t-1" not in repr(api)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SEGL_ANYMAIL", "{not json"),
        ("SEGL_ANYMAIL", '["a list"]'),
        ("SEGL_EMAIL_SECURITY", "ssl3"),
        ("SEGL_EMAIL_FROM", "no address"),
        ("SEGL_VAPID_PRIVATE_KEY", "c2hvcnQ"),
        ("SEGL_PUSH_SERVICES", "https://push.example/x"),
    ],
)
def test_bad_notice_settings_are_refused_by_name(name, value):
    with pytest.raises(ConfigError, match=name) as refused:
        load({**GOOD, name: value})
    if name in ("SEGL_ANYMAIL", "SEGL_VAPID_PRIVATE_KEY"):  # secrets: never in a refusal
        assert value not in str(refused.value)
