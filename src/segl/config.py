"""segl's configuration: one typed object read from the environment and checked at start-up.

Secure by default: with ``SEGL_ENV=production`` (the default) every secret must be given and
nothing is invented. ``segl init`` writes a file of fresh secrets for a development machine, and
``SEGL_ENV_FILE`` points at it. Under ``SEGL_ENV=test`` missing secrets are generated for the one
process, since a test database does not outlive it.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from segl import keysource
from segl.envvalues import ConfigError as ConfigError  # raised by load(); callers catch it here
from segl.envvalues import (
    Network,
    dotted_path,
    email_address,
    ip_networks,
    rsa_public_keys,
    true_or_false,
    whole_number,
)
from segl.noticesettings import NoticeSettings, new_vapid_key, notice_settings

ENVIRONMENTS = ("production", "development", "test")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def read_env_file(path: Path) -> dict[str, str]:
    """Parse a ``KEY=VALUE`` file (``#`` comments, optional quotes)."""
    values: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip().isidentifier():
            raise ConfigError(f"{path}:{number}: expected KEY=VALUE")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value.replace("\\n", "\n")
    return values


@dataclass(frozen=True)
class Config:
    """Every setting, typed. The secrets are ``repr=False``: no repr, and so no log or error
    page that prints the configuration, shows them."""

    env: str
    debug: bool
    secret_key: str = field(repr=False)
    keyring: str = field(repr=False)
    oidc_private_key: str = field(repr=False)
    base_url: str
    allowed_hosts: tuple[str, ...]
    database_url: str
    redis_url: str | None
    data_dir: Path
    device_dir: Path
    code_lock_minutes: int
    password_lock_minutes: int
    flow_minutes: int
    rate_limit_ip_per_minute: int
    rate_limit_user_per_minute: int
    demo: bool
    demo_rp_secret: str = field(repr=False)
    price_code_display_ore: int = 4176
    price_audio_code_reader_ore: int = 4171
    price_chip_ore: int = 15000
    payment_provider: str = "segl.orders.payments.InvoiceProvider"
    key_provider: str = ""
    failure_limit: int = 100
    portal_session_minutes: int = 60
    desk_session_minutes: int = 60
    db_pool_max: int = 8
    db_pool_timeout: int = 10
    server_threads: int = 8
    server_queue: int = 256
    # Messages a channel (SMS, e-mail, letters) sends a minute, all senders together.
    outbox_per_minute: int = 600
    # Published in the JWKS beside the signing key, never signing (decision 39): only their
    # public halves are kept, so they are no secret.
    oidc_inactive_keys: tuple[str, ...] = ()
    audit_keys: str = field(repr=False, default="")
    audit_signing_key: str | None = field(repr=False, default=None)
    audit_checkpoint_file: Path | None = None
    audit_syslog: str = ""
    audit_checkpoint_sink: str = ""
    audit_partitions: int = 8
    trusted_proxies: tuple[Network, ...] = ()
    log_level: str = "INFO"
    metrics_token: str = field(repr=False, default="")
    app: AppPolicy = field(default_factory=lambda: AppPolicy())
    # E-mail, SMS and Web Push (decision 42).
    notices: NoticeSettings = field(default_factory=NoticeSettings)
    # Identity proofing (decision 32): the CSCAs trusted, and who checks faces.
    proofing_trust: Path | None = None
    face_verifier: str = "review"
    face_vendor_url: str = ""
    face_vendor_token: str = field(repr=False, default="")
    # Where citizens write about a barrier (the accessibility statement) or a problem.
    support_email: str = ""
    # The chip models accepted: models.json, their attestation roots, an MDS3 blob (decision 37).
    chip_models: Path | None = None

    @property
    def issuer(self) -> str:
        return self.base_url.rstrip("/") + "/o"


def operations_settings(env: dict[str, str]) -> dict[str, Any]:
    """Running segl: proxies in front of it, its logs, its metrics (decision 26), its threads
    and database connections (decisions 21 and 38)."""
    level = env.get("SEGL_LOG_LEVEL", "").strip().upper() or "INFO"
    if level not in LOG_LEVELS:
        raise ConfigError(f"SEGL_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, not {level!r}")
    token = env.get("SEGL_METRICS_TOKEN", "").strip()
    if token and len(token) < 32:
        raise ConfigError("SEGL_METRICS_TOKEN must be at least 32 characters (or not set)")
    return {
        "trusted_proxies": ip_networks(env, "SEGL_TRUSTED_PROXIES"),
        "log_level": level,
        "metrics_token": token,
        "db_pool_max": whole_number(env, "SEGL_DB_POOL_MAX", 8, 1, 500),
        "db_pool_timeout": whole_number(env, "SEGL_DB_POOL_TIMEOUT", 10, 1, 300),
        "server_threads": whole_number(env, "SEGL_SERVER_THREADS", 8, 1, 256),
        "server_queue": whole_number(env, "SEGL_SERVER_QUEUE", 256, 0, 100_000),
    }


def _test_secrets() -> dict[str, str]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return {
        "SEGL_SECRET_KEY": base64.urlsafe_b64encode(os.urandom(48)).decode(),
        "SEGL_KEYS": "test1:" + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("="),
        "SEGL_OIDC_PRIVATE_KEY": pem,
        "SEGL_DEMO_RP_SECRET": base64.urlsafe_b64encode(os.urandom(24)).decode(),
        "SEGL_VAPID_PRIVATE_KEY": new_vapid_key(),
        **audit_test_secrets(),
    }


def load(environ: dict[str, str] | None = None) -> Config:
    """Read and check the configuration; raises :class:`ConfigError` naming what is wrong."""
    env = dict(os.environ if environ is None else environ)
    env_file = env.get("SEGL_ENV_FILE")
    if env_file:
        path = Path(env_file)
        if not path.is_file():
            raise ConfigError(f"SEGL_ENV_FILE points at {path}, which does not exist")
        env = {**read_env_file(path), **env}

    name = env.get("SEGL_ENV", "production")
    if name not in ENVIRONMENTS:
        raise ConfigError(f"SEGL_ENV must be one of {', '.join(ENVIRONMENTS)}, not {name!r}")
    if name == "test":
        generated = _test_secrets()
        if any(env.get(source) for source in keysource.SOURCES):
            del generated["SEGL_KEYS"]
        env = {**generated, **env}

    missing = [key for key in ("SEGL_SECRET_KEY",) if not env.get(key)]
    if not any(env.get(source, "").strip() for source in keysource.SOURCES):
        missing.append("SEGL_KEYS")
    if not env.get("SEGL_OIDC_PRIVATE_KEY") and not env.get("SEGL_OIDC_PRIVATE_KEY_FILE"):
        missing.append("SEGL_OIDC_PRIVATE_KEY_FILE")

    if not env.get("SEGL_AUDIT_KEYS"):
        missing.append("SEGL_AUDIT_KEYS")
    if missing:
        raise ConfigError(
            "missing settings: "
            + ", ".join(missing)
            + " (run 'segl init' to write a file of fresh secrets and point SEGL_ENV_FILE at it)"
        )
    if len(env["SEGL_SECRET_KEY"]) < 32:
        raise ConfigError("SEGL_SECRET_KEY must be at least 32 characters")
    try:
        keyring, key_provider = keysource.keys_from_env(env, production=name == "production")
    except ValueError as exc:
        raise ConfigError(str(exc)) from None

    oidc_key = env.get("SEGL_OIDC_PRIVATE_KEY") or ""
    if not oidc_key:
        key_path = Path(env["SEGL_OIDC_PRIVATE_KEY_FILE"])
        if not key_path.is_file():
            raise ConfigError(f"SEGL_OIDC_PRIVATE_KEY_FILE: {key_path} does not exist")
        oidc_key = key_path.read_text(encoding="ascii")
    if "PRIVATE KEY" not in oidc_key:
        raise ConfigError("the OIDC signing key must be an RSA private key in PEM form")

    base_url = env.get("SEGL_BASE_URL", "http://localhost:8000").rstrip("/")
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"SEGL_BASE_URL must be an http(s) URL, not {base_url!r}")
    if name == "production" and parts.scheme != "https" and parts.hostname != "localhost":
        raise ConfigError("SEGL_BASE_URL must use https in production")
    hosts_raw = env.get("SEGL_ALLOWED_HOSTS", "")
    hosts = tuple(h.strip() for h in hosts_raw.split(",") if h.strip()) or (parts.hostname,)

    data_dir = Path(env.get("SEGL_DATA_DIR", "var")).resolve()
    demo = true_or_false(env, "SEGL_DEMO", name != "production")
    support = email_address(env, "SEGL_SUPPORT_EMAIL", "support@segl.example" if demo else "")
    return Config(
        env=name,
        debug=true_or_false(env, "SEGL_DEBUG", False),
        secret_key=env["SEGL_SECRET_KEY"],
        keyring=keyring,
        key_provider=key_provider,
        oidc_private_key=oidc_key,
        oidc_inactive_keys=rsa_public_keys(env, "SEGL_OIDC_INACTIVE_KEYS_FILE", signing=oidc_key),
        base_url=base_url,
        allowed_hosts=hosts,
        database_url=env.get("DATABASE_URL") or f"sqlite:///{data_dir / 'segl.sqlite3'}",
        redis_url=env.get("REDIS_URL") or None,
        data_dir=data_dir,
        device_dir=Path(env.get("SEGL_DEVICE_DIR") or data_dir / "devices").resolve(),
        code_lock_minutes=whole_number(env, "SEGL_CODE_LOCK_MINUTES", 15, 1, 24 * 60),
        password_lock_minutes=whole_number(env, "SEGL_PASSWORD_LOCK_MINUTES", 15, 1, 24 * 60),
        failure_limit=whole_number(env, "SEGL_FAILURE_LIMIT", 100, 10, 100),
        flow_minutes=whole_number(env, "SEGL_FLOW_MINUTES", 10, 1, 60),
        rate_limit_ip_per_minute=whole_number(env, "SEGL_RATE_LIMIT_IP", 60, 1, 1_000_000),
        rate_limit_user_per_minute=whole_number(env, "SEGL_RATE_LIMIT_USER", 10, 1, 1_000_000),
        outbox_per_minute=whole_number(env, "SEGL_OUTBOX_PER_MINUTE", 600, 1, 1_000_000),
        demo=demo,
        demo_rp_secret=env.get("SEGL_DEMO_RP_SECRET", ""),
        price_code_display_ore=whole_number(env, "SEGL_PRICE_CODE_DISPLAY_ORE", 4176, 0, 10**7),
        price_audio_code_reader_ore=whole_number(
            env, "SEGL_PRICE_AUDIO_CODE_READER_ORE", 4171, 0, 10**7
        ),
        price_chip_ore=whole_number(env, "SEGL_PRICE_CHIP_ORE", 15000, 0, 10**7),
        payment_provider=dotted_path(
            env, "SEGL_PAYMENT_PROVIDER", "segl.orders.payments.InvoiceProvider"
        ),
        portal_session_minutes=whole_number(env, "SEGL_PORTAL_SESSION_MINUTES", 60, 5, 24 * 60),
        desk_session_minutes=whole_number(env, "SEGL_DESK_SESSION_MINUTES", 60, 5, 8 * 60),
        support_email=support,
        chip_models=Path(env.get("SEGL_CHIP_MODELS") or data_dir / "chip-models").resolve(),
        **audit_settings(env),
        **operations_settings(env),
        **proofing_settings(env, data_dir, demo=demo),
        app=app_policy(env),
        notices=notice_settings(env, production=name == "production", support_email=support),
    )


def proofing_settings(env: dict[str, str], data_dir: Path, *, demo: bool) -> dict[str, Any]:
    """``SEGL_PROOFING_TRUST``: a folder of CSCA certificates, master lists and revocation lists
    (with the demo on, the passport factory's, under the data directory). ``SEGL_FACE_VERIFIER``:
    ``review`` (staff review every face), ``vendor`` (``SEGL_FACE_VENDOR_URL`` and
    ``SEGL_FACE_VENDOR_TOKEN``, doubts still go to review) or, with the demo on, ``demo``."""
    trust = env.get("SEGL_PROOFING_TRUST") or (
        str(data_dir / "documents" / "trust") if demo else ""
    )
    verifier = env.get("SEGL_FACE_VERIFIER") or ("demo" if demo else "review")
    if verifier not in ("review", "vendor", "demo"):
        raise ConfigError(f"SEGL_FACE_VERIFIER must be review, vendor or demo, not {verifier!r}")
    url = env.get("SEGL_FACE_VENDOR_URL", "")
    if verifier == "vendor" and not url.startswith(
        ("https://", "http://localhost", "http://127.0.0.1")
    ):
        raise ConfigError("SEGL_FACE_VERIFIER=vendor needs SEGL_FACE_VENDOR_URL, an https URL")
    return {
        "proofing_trust": Path(trust).resolve() if trust else None,
        "face_verifier": verifier,
        "face_vendor_url": url,
        "face_vendor_token": env.get("SEGL_FACE_VENDOR_TOKEN", ""),
    }


# -- the audit log (decision 20) ----------------------------------------------------------------


def audit_test_secrets() -> dict[str, str]:
    from segl.core.checkpoints import generate_signing_key_pem
    from segl.core.secrets import format_key, generate_key

    return {
        "SEGL_AUDIT_KEYS": format_key("audit-test1", generate_key()),
        "SEGL_AUDIT_SIGNING_KEY": generate_signing_key_pem().decode("ascii"),
    }


def audit_settings(env: dict[str, str]) -> dict[str, Any]:
    """The audit keys (required), and where checkpoints are signed and sent (optional)."""
    from segl.core.checkpoints import load_signing_key
    from segl.core.secrets import parse_keys

    try:
        audit_keys = parse_keys(env["SEGL_AUDIT_KEYS"])
    except ValueError as exc:
        raise ConfigError(f"SEGL_AUDIT_KEYS: {exc}") from None
    try:
        encryption_keys = set(parse_keys(env.get("SEGL_KEYS", "")).values())
    except ValueError:
        encryption_keys = set()  # reported where SEGL_KEYS is used
    if encryption_keys & set(audit_keys.values()):
        raise ConfigError("SEGL_AUDIT_KEYS must not reuse a key of SEGL_KEYS")

    signing_key = env.get("SEGL_AUDIT_SIGNING_KEY") or None
    key_file = env.get("SEGL_AUDIT_SIGNING_KEY_FILE")
    if not signing_key and key_file:
        try:
            signing_key = Path(key_file).read_text(encoding="ascii")
        except (OSError, ValueError):
            raise ConfigError(f"SEGL_AUDIT_SIGNING_KEY_FILE: cannot read {key_file}") from None
    if signing_key:
        try:
            load_signing_key(signing_key.encode("ascii", "replace"))
        except ValueError as exc:
            raise ConfigError(f"the audit signing key: {exc}") from None

    syslog = env.get("SEGL_AUDIT_SYSLOG", "").strip()
    if syslog and not (syslog.startswith(("/", "udp://", "tcp://"))):
        raise ConfigError(
            "SEGL_AUDIT_SYSLOG must be a socket path such as /dev/log, udp://host:port or"
            f" tcp://host:port, not {syslog!r}"
        )
    sink = env.get("SEGL_AUDIT_CHECKPOINT_SINK", "").strip()
    checkpoint_file = env.get("SEGL_AUDIT_CHECKPOINT_FILE", "").strip()
    return {
        "audit_keys": env["SEGL_AUDIT_KEYS"],
        "audit_signing_key": signing_key,
        "audit_checkpoint_file": Path(checkpoint_file).resolve() if checkpoint_file else None,
        "audit_syslog": syslog,
        "audit_checkpoint_sink": dotted_path(env, "SEGL_AUDIT_CHECKPOINT_SINK", "") if sink else "",
        "audit_partitions": whole_number(env, "SEGL_AUDIT_PARTITIONS", 8, 1, 64),
    }


# -- the segl app's policy (decision 25) --------------------------------------------------------


@dataclass(frozen=True)
class AppPolicy:
    """The segl app's rules in numbers, each from ``SEGL_APP_<NAME>`` (upper case)."""

    code_length: int = 4  # digits of the one-time code the browser shows
    request_seconds: int = 120  # to answer a login in the app
    unlock_seconds: int = 300  # an unlock by PIN or biometrics lasts
    qr_max_age_seconds: int = 5  # the oldest QR code scan accepted
    max_apps: int = 3  # active apps per identity
    pin_max_failures: int = 5  # wrong PINs in a row lock the app
    code_max_failures: int = 3  # wrong one-time or proximity codes cancel
    temporary_pin_max_failures: int = 3  # wrong temporary PINs end an activation
    requests_per_window: int = 5  # unanswered login requests ...
    request_window_minutes: int = 10  # ... per identity in this many minutes
    activation_minutes: int = 10  # the temporary PIN by SMS is valid
    activation_code_days: int = 7  # an activation code is valid
    weakening_delay_hours: int = 24  # a change that weakens protection waits
    copy_minutes: int = 3  # the old app's QR code for a new phone is valid
    report_pause_minutes: int = 60  # no login requests to the apps after "I did not start this"

    @property
    def request_window(self) -> timedelta:
        return timedelta(minutes=self.request_window_minutes)

    @property
    def weakening_delay(self) -> timedelta:
        return timedelta(hours=self.weakening_delay_hours)

    @property
    def report_pause(self) -> timedelta:
        return timedelta(minutes=self.report_pause_minutes)


# Each setting's lowest and highest value: a lower or higher one is a mistake, not a policy.
APP_POLICY_BOUNDS: dict[str, tuple[int, int]] = {
    "code_length": (4, 10),
    "request_seconds": (30, 600),
    "unlock_seconds": (30, 3600),
    "qr_max_age_seconds": (2, 30),
    "max_apps": (1, 20),
    "pin_max_failures": (3, 10),
    "code_max_failures": (1, 10),
    "temporary_pin_max_failures": (1, 10),
    "requests_per_window": (1, 100),
    "request_window_minutes": (1, 24 * 60),
    "activation_minutes": (1, 60),
    "activation_code_days": (1, 90),
    "weakening_delay_hours": (1, 30 * 24),
    "copy_minutes": (1, 15),
    "report_pause_minutes": (1, 24 * 60),
}


def app_policy(env: dict[str, str]) -> AppPolicy:
    """Read ``SEGL_APP_*``; today's rules where a variable is not set."""
    defaults = AppPolicy()
    return AppPolicy(
        **{
            name: whole_number(env, f"SEGL_APP_{name.upper()}", getattr(defaults, name), low, high)
            for name, (low, high) in APP_POLICY_BOUNDS.items()
        }
    )
