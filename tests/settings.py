"""Test settings: segl's own, with per-process secrets and a fixed live-server address.

``SEGL_TEST_PORT`` (default 8765) moves the live server, and so the issuer, when two checkouts
test at once. Each pytest-xdist worker ("gw0", "gw1", …) takes the port 100 above the one
before it, and a data directory, cache prefix and Redis database of its own, so workers run
side by side.
"""

import os
import urllib.parse

os.environ["SEGL_TEST_PORT"] = str(
    int(os.environ.get("SEGL_TEST_PORT", "8765"))
    + 100 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
)
os.environ.setdefault("SEGL_ENV", "test")
os.environ["SEGL_BASE_URL"] = "http://localhost:" + os.environ["SEGL_TEST_PORT"]
os.environ["DJANGO_LIVE_TEST_SERVER_ADDRESS"] = "localhost:" + os.environ["SEGL_TEST_PORT"]
os.environ["SEGL_DATA_DIR"] = os.path.join(
    os.path.dirname(__file__), "..", "var", "test", os.environ.get("PYTEST_XDIST_WORKER", "")
)
os.environ.setdefault("SEGL_RATE_LIMIT_IP", "100000")
os.environ.setdefault("SEGL_RATE_LIMIT_USER", "100000")
# A line a request would bury a failing test's output; the log's own tests turn it up.
os.environ.setdefault("SEGL_LOG_LEVEL", "ERROR")

from segl.settings import *  # noqa: F403
from segl.settings import CACHES, OAUTH2_PROVIDER

OAUTH2_PROVIDER["ALLOWED_REDIRECT_URI_SCHEMES"] = ["http", "https"]
CACHES["default"]["KEY_PREFIX"] = "segl-test" + os.environ.get("PYTEST_XDIST_WORKER", "")
if CACHES["default"]["BACKEND"].endswith("RedisCache"):
    # A Redis database per worker: cache.clear() empties a whole database, and a test that
    # clears it must not reset the counts another worker's test is making.
    _redis = urllib.parse.urlsplit(CACHES["default"]["LOCATION"])
    _db = int(_redis.path.strip("/") or 0) + int(
        os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0
    )
    CACHES["default"]["LOCATION"] = _redis._replace(path=f"/{_db}").geturl()
