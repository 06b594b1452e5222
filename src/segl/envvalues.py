"""Reading one setting's value from the environment, checked: whole numbers in a range, dotted
paths, true or false, e-mail addresses, networks, a file of RSA keys. A value that does not fit
raises :class:`ConfigError` naming the variable and what it wants (segl.config reads them all);
never a secret it read."""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.types import PublicKeyTypes

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class ConfigError(Exception):
    """A setting is missing or malformed; the message names the variable and what it wants."""


def whole_number(env: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {value}")
    return value


def dotted_path(env: dict[str, str], name: str, default: str) -> str:
    """A class named by its dotted path, e.g. ``mysms.Gateway`` (imported when first used)."""
    value = env.get(name, "").strip() or default
    if "." not in value or not all(part.isidentifier() for part in value.split(".")):
        raise ConfigError(
            f"{name} must be a dotted path such as package.module.Class, not {value!r}"
        )
    return value


def true_or_false(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false, not {raw!r}")


def email_address(env: dict[str, str], name: str, default: str) -> str:
    """An e-mail address as people type it: something@somewhere, no spaces (or not set)."""
    value = env.get(name, "").strip() or default
    local, at, domain = value.rpartition("@")
    plain = not any(c.isspace() or c in '<>",' for c in value)
    if value and not (at and local and "." in domain.strip(".") and len(value) <= 254 and plain):
        raise ConfigError(f"{name} must be an e-mail address such as support@example.dk")
    return value


def ip_networks(env: dict[str, str], name: str) -> tuple[Network, ...]:
    """Addresses and networks, comma-separated: ``10.0.0.5, 10.1.0.0/16, fd00::/8``."""
    networks = []
    for entry in env.get(name, "").split(","):
        if not entry.strip():
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=True))
        except ValueError:
            raise ConfigError(
                f"{name} must list IP addresses or networks such as 10.0.0.5 or 10.1.0.0/16,"
                f" separated by commas; {entry.strip()!r} is not one"
            ) from None
    return tuple(networks)


# -- a file of RSA keys, e.g. those published beside the ID token signing key (decision 39) -----

MIN_RSA_BITS = 2048  # a published key verifies signatures: a weak one lets anyone sign
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----.*?-----END \1-----", re.S)
_RSA_LABELS = ("PRIVATE KEY", "RSA PRIVATE KEY", "PUBLIC KEY", "RSA PUBLIC KEY")


def rsa_public_keys(env: dict[str, str], name: str, *, signing: str) -> tuple[str, ...]:
    """The public halves (PEM), in the file's order, of the RSA keys in the file ``name``
    names: PEM blocks one after another, private keys or only their public halves; none when
    it is not set. ``signing`` is the PEM of the key that signs, which must not be among them.
    A refusal names the file and which block is wrong, never a key."""
    raw = env.get(name, "").strip()
    if not raw:
        return ()
    path = Path(raw)
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise ConfigError(f"{name}: {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not a PEM file"
        raise ConfigError(f"{name}: cannot read {path}: {reason}") from None
    blocks = list(_PEM_BLOCK.finditer(text))
    if not blocks or len(blocks) != text.count("-----BEGIN "):
        raise ConfigError(
            f"{name}: {path} must hold RSA keys in PEM form, one block after another"
            " (-----BEGIN PRIVATE KEY----- … -----END PRIVATE KEY-----)"
        )
    signing_der = {_der(key) for key in _signing_public(signing)}
    seen: set[bytes] = set()
    published = []
    for number, block in enumerate(blocks, start=1):
        where = f"{name}: key {number} in {path}"
        public = _rsa_public_half(block.group(1), block.group(0).encode("ascii"), where)
        der = _der(public)
        if der in signing_der:
            raise ConfigError(f"{where} is the signing key; list only keys that do not sign")
        if der in seen:
            raise ConfigError(f"{where} is listed twice")
        seen.add(der)
        published.append(
            public.public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ).decode("ascii")
        )
    return tuple(published)


def _rsa_public_half(label: str, pem: bytes, where: str) -> rsa.RSAPublicKey:
    if label not in _RSA_LABELS:
        raise ConfigError(f"{where} is a PEM block of {label!r}, not an unencrypted RSA key")
    key: PublicKeyTypes
    try:
        if "PRIVATE" in label:
            key = serialization.load_pem_private_key(pem, password=None).public_key()
        else:
            key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise ConfigError(f"{where} cannot be read as an unencrypted PEM key") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ConfigError(f"{where} is not an RSA key")
    if key.key_size < MIN_RSA_BITS:
        raise ConfigError(f"{where} has {key.key_size} bits; at least {MIN_RSA_BITS} are needed")
    return key


def _signing_public(signing: str) -> list[rsa.RSAPublicKey]:
    """The signing key's public half, to compare with; none if it does not load (its own
    check, in segl.config, is looser)."""
    try:
        key = serialization.load_pem_private_key(signing.encode("ascii", "replace"), None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        return []
    public = key.public_key()
    return [public] if isinstance(public, rsa.RSAPublicKey) else []


def _der(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
