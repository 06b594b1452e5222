"""Django settings, derived from :mod:`segl.config` (the one place configuration is read)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

from segl import config as _config
from segl.database import pool_options
from segl.startup import refuse_unsafe

CONFIG = _config.load()
refuse_unsafe(CONFIG)
PACKAGE_DIR = Path(__file__).resolve().parent

DEBUG = CONFIG.debug
SECRET_KEY = CONFIG.secret_key
# Each channel's gateway (segl.notify.gateways, decision 42), and e-mail's settings.
SEGL_GATEWAYS = {
    "sms": CONFIG.notices.sms_gateway,
    "email": CONFIG.notices.email_gateway,
    "push": CONFIG.notices.push_gateway,
    "letter": CONFIG.notices.letter_gateway,
}
EMAIL_BACKEND = CONFIG.notices.email_backend
EMAIL_HOST = CONFIG.notices.email_host
EMAIL_PORT = CONFIG.notices.email_port
EMAIL_HOST_USER = CONFIG.notices.email_user
EMAIL_HOST_PASSWORD = CONFIG.notices.email_password
EMAIL_USE_TLS = CONFIG.notices.email_security == "starttls"
EMAIL_USE_SSL = CONFIG.notices.email_security == "tls"
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = CONFIG.notices.email_from
ANYMAIL = CONFIG.notices.anymail
SEGL_PAYMENT_PROVIDER = CONFIG.payment_provider
ALLOWED_HOSTS = list(CONFIG.allowed_hosts)
if CONFIG.env == "test":
    ALLOWED_HOSTS += ["localhost", "127.0.0.1", "testserver"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "oauth2_provider",
    "segl.web",
    "segl.limits",
    "segl.audit",
    "segl.identities",
    "segl.authenticators",
    "segl.changes",
    "segl.flows",
    "segl.notify",
    "segl.codedevice",
    "segl.app",
    "segl.chip",
    "segl.centres",
    "segl.orders",
    "segl.proofing",
    "segl.oidc",
    "segl.emulators",
    "segl.portal",
    "segl.desk",
    "segl.demo_rp",
    "segl.demo",
]

MIDDLEWARE = [
    "segl.web.middleware.RequestLogMiddleware",  # first: it times and logs all the others
    "segl.web.middleware.ForwardedProtoMiddleware",  # before anything asks is_secure()
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "segl.web.middleware.SecurityHeadersMiddleware",
    "segl.web.middleware.DatabaseBusyMiddleware",
]

ROOT_URLCONF = "segl.urls"
WSGI_APPLICATION = "segl.wsgi.application"
ASGI_APPLICATION = "segl.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "segl.web.context.site",
            ],
        },
    }
]

DATABASES = {"default": dj_database_url.parse(CONFIG.database_url, conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    CONFIG.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    # The same backend, creating the database file readable by segl's user only.
    DATABASES["default"]["ENGINE"] = "segl.sqlite"
    # IMMEDIATE transactions take the write lock at BEGIN, so two verifications of one code
    # serialise instead of both reading the old state (SQLite has no SELECT ... FOR UPDATE).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Kept for the life of the thread: segl's request threads live as long as the process
    # (segl.serving); a long-poll's look closes its own (segl.database.released).
    DATABASES["default"]["CONN_MAX_AGE"] = None
    DATABASES["default"]["TEST"] = {"NAME": str(CONFIG.data_dir / "test.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A bounded pool per process instead of a connection per request thread (segl.database).
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # a dropped connection is replaced
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = pool_options(CONFIG)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES: dict[str, dict[str, Any]]
if CONFIG.redis_url:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CONFIG.redis_url,
            "KEY_PREFIX": "segl",
            # Redis away: a request waits half a second at most before the rate limits count
            # in the database instead (segl.http.hit).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_USER_MODEL = "identities.Identity"
AUTHENTICATION_BACKENDS: list[str] = []
# Only RP client secrets go through Django's hashers; citizens' passwords use segl.core.passwords.
PASSWORD_HASHERS = ["segl.oidc.hashers.ClientSecretHasher"]
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE = CONFIG.base_url.startswith("https://")
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
CSRF_TRUSTED_ORIGINS = [CONFIG.base_url]
LANGUAGE_COOKIE_SECURE = SECURE
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if SECURE:
    SECURE_HSTS_SECONDS = 31536000
    # Names under segl's host are covered too, so no page or cookie of one is ever served
    # over plain HTTP. No preload: the directive consents to browser makers hard-coding HTTPS
    # for the whole registrable domain, which is hard to undo and for the domain's owner to
    # decide, not for segl.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = False
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Danish")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/Copenhagen"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = CONFIG.data_dir / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = CONFIG.env != "production"

OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": CONFIG.oidc_private_key,
    # Published in the JWKS, never signing: how the signing key is rotated (decision 39).
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": list(CONFIG.oidc_inactive_keys),
    "OIDC_ISS_ENDPOINT": CONFIG.issuer,
    "OIDC_USERINFO_ENDPOINT": CONFIG.issuer + "/userinfo/",
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "PKCE_REQUIRED": True,
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": 300,
    "ID_TOKEN_EXPIRE_SECONDS": 300,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"] if CONFIG.env != "production" else ["https"],
    "SCOPES": {
        "openid": _("Log in with segl"),
        "profile": _("Your name and birth date"),
    },
    "DEFAULT_SCOPES": ["openid"],
    "OAUTH2_VALIDATOR_CLASS": "segl.oidc.validators.SeglValidator",
    "OIDC_SERVER_CLASS": "segl.oidc.server.SeglServer",
    "CLIENT_SECRET_HASHER": "segl_sha256",
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_SCHEME": CONFIG.env == "production",
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}

# JSON lines on standard error (segl.logs): segl.request, segl.security, and every other
# record, Django's errors included. SEGL_LOG_LEVEL sets segl's own level.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "segl.logs.JsonFormatter"}},
    "handlers": {
        "stderr": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "stream": "ext://sys.stderr",
        }
    },
    "root": {"handlers": ["stderr"], "level": "WARNING"},
    "loggers": {"segl": {"level": CONFIG.log_level}, "django.request": {"level": "ERROR"}},
}
CSRF_FAILURE_VIEW = "segl.web.views.csrf_failure"

# django-oauth-toolkit's models, named so that segl's migrations can depend on them.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
