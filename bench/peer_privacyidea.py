"""privacyIDEA as the peer for the code check (bench_http.py ``--privacyidea VENV``): its own
site (configuration, keys, tables and an HOTP token), served by gunicorn with one worker as
its documentation deploys it, and ``POST /validate/check`` with the token's next code.

privacyIDEA is not segl's dependency and nothing of it is kept here: install it beside the
checkout, in a virtual environment of its own, and give that folder::

    python3 -m venv ../privacyidea && ../privacyidea/bin/pip install privacyidea gunicorn
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench import burst
from segl.core import otp

# RFC 4226's test key ("12345678901234567890"); each check takes the token's next counter.
KEY = b"12345678901234567890"
CONFIG = """SUPERUSER_REALM = ['super']
SQLALCHEMY_DATABASE_URI = 'sqlite:///{site}/privacyidea.sqlite'
SECRET_KEY = '{secret}'
PI_PEPPER = '{pepper}'
PI_ENCFILE = '{site}/enckey'
PI_AUDIT_KEY_PRIVATE = '{site}/private.pem'
PI_AUDIT_KEY_PUBLIC = '{site}/public.pem'
PI_LOGFILE = '{site}/privacyidea.log'
PI_LOGLEVEL = 30
"""
APP = """from privacyidea.app import create_app
application = create_app(config_name="production", config_file={config!r}, silent=True)
"""
TOKEN = """from privacyidea.app import create_app
app = create_app(config_name="production", config_file={config!r}, silent=True)
with app.app_context():
    from privacyidea.lib.token import init_token
    init_token({{"type": "hotp", "otpkey": {key!r}, "serial": "BENCH", "genkey": 0}})
"""


@dataclass
class Peer:
    process: subprocess.Popen[bytes]
    server: burst.Server
    counter: int = 0

    def check(self) -> burst.Answer:
        """One ``/validate/check`` with the next valid code; it must accept it."""
        code = otp.hotp_code(KEY, self.counter)
        answer = burst.Browser(self.server).request(
            "POST", "/validate/check", {"serial": "BENCH", "pass": code}, accept="application/json"
        )
        if answer.status != 200 or not json.loads(answer.body)["result"].get("value"):
            raise burst.BurstError(f"privacyIDEA refused a good code: {answer.body[:300]}")
        self.counter += 1
        return answer

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=15)


def start(venv: Path, site: Path, port: int) -> Peer:
    """Set privacyIDEA up in ``site`` and serve it on ``port``; returns once it answers."""
    shutil.rmtree(site, ignore_errors=True)  # a fresh site: its keys are made once
    site.mkdir(parents=True)
    config = site / "pi.cfg"
    secrets_ = os.urandom(16).hex(), os.urandom(16).hex()
    config.write_text(CONFIG.format(site=site, secret=secrets_[0], pepper=secrets_[1]))
    env = {**os.environ, "PRIVACYIDEA_CONFIGFILE": str(config)}
    manage = str(venv / "bin" / "pi-manage")
    for argv in (["create_enckey"], ["create_audit_keys"], ["create_tables"]):
        subprocess.run([manage, "setup", *argv], env=env, cwd=site, check=True, capture_output=True)
    python = str(venv / "bin" / "python")
    script = TOKEN.format(config=str(config), key=KEY.hex())
    subprocess.run([python, "-c", script], env=env, cwd=site, check=True, capture_output=True)
    (site / "pi_wsgi.py").write_text(APP.format(config=str(config)))
    log = (site / "gunicorn.log").open("wb")
    process = subprocess.Popen(
        [str(venv / "bin" / "gunicorn"), "--workers", "1", "--bind", f"127.0.0.1:{port}",
         "pi_wsgi:application"],
        env=env, cwd=site, stdout=log, stderr=log,
    )  # fmt: skip
    server = burst.Server(
        url=f"http://127.0.0.1:{port}", host="127.0.0.1", port=port, database_url="",
        process=process, log=site / "gunicorn.log",
    )  # fmt: skip
    peer = Peer(process=process, server=server)
    deadline = time.monotonic() + 60
    while True:
        try:
            peer.check()
            return peer
        except (OSError, burst.BurstError):
            if process.poll() is not None or time.monotonic() > deadline:
                raise burst.BurstError(f"privacyIDEA did not start: {server.log_tail()}") from None
            time.sleep(0.3)
