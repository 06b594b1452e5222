"""A small key service for the tests, of the kind ``SEGL_KEY_PROVIDER`` plugs in.

As with a cloud KMS, the data key is kept only wrapped (AES key wrap, RFC 3394) under a master
key that lives elsewhere (here: another file in ``$TEST_KMS_DIR``); the provider unwraps it when
segl asks for its key ring.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.keywrap import aes_key_unwrap, aes_key_wrap

from segl.core.secrets import KeyRing

KID = "kms1"


def make_kms(directory: Path) -> bytes:
    """A master key and a wrapped data key in ``directory``; returns the data key."""
    master, data_key = secrets.token_bytes(32), secrets.token_bytes(32)
    (directory / "master.key").write_bytes(master)
    (directory / "data-key.wrapped").write_bytes(aes_key_wrap(master, data_key))
    return data_key


class WrappedKeyProvider:
    def __init__(self) -> None:
        self.directory = Path(os.environ["TEST_KMS_DIR"])

    def keyring(self) -> KeyRing:
        master = (self.directory / "master.key").read_bytes()
        wrapped = (self.directory / "data-key.wrapped").read_bytes()
        return KeyRing({KID: aes_key_unwrap(master, wrapped)}, active=KID)
