"""The key-encryption keys kept away from the database: a file, or a key service's provider."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from segl.authenticators.models import Device
from segl.config import ConfigError, load
from segl.core.secrets import KeyRing
from segl.keys import device_aad
from tests.conftest import make_person
from tests.kms import KID, make_kms
from tests.processes import PORT, production_env, segl
from tests.test_config import GOOD

PROVIDER = "tests.kms.WrappedKeyProvider"
K1, K2 = "A" * 43, base64.urlsafe_b64encode(b"\x02" * 32).decode().rstrip("=")
RING = f"k2:{K2},k1:{K1}"
PRODUCTION = {**GOOD, "SEGL_BASE_URL": "https://id.example", "SEGL_KEYS": ""}


def keys_file(directory: Path, mode: int) -> Path:
    path = directory / "segl.keys"
    path.write_text(f"# the first key encrypts\nk2:{K2}\n\nk1:{K1}\n")
    path.chmod(mode)
    return path


def test_a_keys_file_is_read(tmp_path):
    config = load({**PRODUCTION, "SEGL_KEYS_FILE": str(keys_file(tmp_path, 0o600))})
    assert config.keyring == RING and config.key_provider == ""


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o620])
def test_production_refuses_a_keys_file_others_may_use(tmp_path, mode):
    path = keys_file(tmp_path, mode)
    with pytest.raises(ConfigError, match=r"SEGL_KEYS_FILE: .* chmod 600"):
        load({**PRODUCTION, "SEGL_KEYS_FILE": str(path)})
    development = {**PRODUCTION, "SEGL_ENV": "development", "SEGL_KEYS_FILE": str(path)}
    assert load(development).keyring == RING


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            {"SEGL_KEYS": "k1:" + "A" * 43, "SEGL_KEYS_FILE": "/x"},
            "not SEGL_KEYS and SEGL_KEYS_FILE",
        ),
        ({"SEGL_KEYS_FILE": "/no/such/file"}, "SEGL_KEYS_FILE: cannot read /no/such/file"),
        ({"SEGL_KEY_PROVIDER": "not a path"}, "SEGL_KEY_PROVIDER must be a dotted path"),
    ],
)
def test_key_sources_are_checked(extra, message):
    with pytest.raises(ConfigError, match=message):
        load({**PRODUCTION, **extra})


@pytest.fixture
def kms(tmp_path, monkeypatch, config):
    """segl's key ring from the test key service, for this test only."""
    monkeypatch.setenv("TEST_KMS_DIR", str(tmp_path))
    data_key = make_kms(tmp_path)
    config(keyring="", key_provider=PROVIDER)
    return data_key


@pytest.mark.django_db
def test_a_key_provider_supplies_the_key_ring(kms):
    person = make_person("kms-user-1")  # imports a device and activates it: seal, then open
    device = Device.objects.get(serial=person.token.serial)
    assert device.seed.startswith(f"v1.{KID}.")
    # Sealed under the key service's data key, and nothing else.
    plain = KeyRing({KID: kms}, active=KID)
    assert plain.decrypt(device.seed, aad=device_aad(device.serial)) == person.token.secret


def test_a_production_start_with_a_key_provider(tmp_path):
    env = production_env(tmp_path, base_url=f"http://localhost:{PORT}")
    (tmp_path / "kms").mkdir()
    make_kms(tmp_path / "kms")
    env = {
        **env,
        "SEGL_KEYS": "",
        "SEGL_KEY_PROVIDER": PROVIDER,
        "TEST_KMS_DIR": str(tmp_path / "kms"),
    }
    checked = segl(env, "check", "--json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["keys"] == "ok"

    (tmp_path / "kms" / "master.key").unlink()  # the key service is out of reach
    refused = segl(env, "check", "--json")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "SEGL_KEY_PROVIDER: the key ring does not open" in refused.stderr


def test_a_production_start_with_a_keys_file(tmp_path):
    env = production_env(tmp_path, base_url=f"http://localhost:{PORT}")
    path = keys_file(tmp_path, 0o644)
    env = {**env, "SEGL_KEYS": "", "SEGL_KEYS_FILE": str(path)}
    refused = segl(env, "check")
    assert refused.returncode != 0 and f"chmod 600 {path}" in refused.stderr
    path.chmod(0o600)
    assert segl(env, "check").returncode == 0
