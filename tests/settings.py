"""Test settings: segl's own, with per-process secrets and a fixed live-server address."""

import os

# SEGL_TEST_PORT moves the live server (and so the issuer) when two checkouts test at once.
os.environ.setdefault("SEGL_TEST_PORT", "8765")
os.environ.setdefault("SEGL_ENV", "test")
os.environ.setdefault("SEGL_BASE_URL", "http://localhost:" + os.environ["SEGL_TEST_PORT"])
os.environ.setdefault(
    "DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost:" + os.environ["SEGL_TEST_PORT"]
)
os.environ.setdefault("SEGL_DATA_DIR", os.path.join(os.path.dirname(__file__), "..", "var", "test"))
os.environ.setdefault("SEGL_RATE_LIMIT_IP", "100000")
os.environ.setdefault("SEGL_RATE_LIMIT_USER", "100000")

from segl.settings import *  # noqa: F403
from segl.settings import OAUTH2_PROVIDER

OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] = ["http", "https"]
