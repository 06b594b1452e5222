"""How RP client secrets are stored: salted SHA-256.

Client secrets are 256-bit random values that segl generates, so a slow password hash buys
nothing against guessing and would cost ~300 ms of CPU on every token request (Django's default
PBKDF2). See docs/decisions/0004-client-secret-hashing.md.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.contrib.auth.hashers import BasePasswordHasher, mask_hash
from django.utils.crypto import RANDOM_STRING_CHARS, get_random_string


class ClientSecretHasher(BasePasswordHasher):
    algorithm = "segl_sha256"

    def salt(self) -> str:
        return get_random_string(22, RANDOM_STRING_CHARS)

    def encode(self, password: str, salt: str) -> str:
        if not salt or "$" in salt:
            raise ValueError("a salt without $ is needed")
        digest = hashlib.sha256(f"{salt}${password}".encode()).hexdigest()
        return f"{self.algorithm}${salt}${digest}"

    def decode(self, encoded: str) -> dict[str, Any]:
        algorithm, salt, digest = encoded.split("$", 2)
        assert algorithm == self.algorithm
        return {"algorithm": algorithm, "hash": digest, "salt": salt}

    def verify(self, password: str, encoded: str) -> bool:
        decoded = self.decode(encoded)
        return hmac.compare_digest(encoded, self.encode(password, decoded["salt"]))

    def safe_summary(self, encoded: str) -> dict[Any, Any]:
        decoded = self.decode(encoded)
        return {
            "algorithm": decoded["algorithm"],
            "salt": mask_hash(decoded["salt"]),
            "hash": mask_hash(decoded["hash"]),
        }

    def harden_runtime(self, password: str, encoded: str) -> None:
        return None
