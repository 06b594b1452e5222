"""Reading one setting's value from the environment, checked: whole numbers in a range, dotted
paths, true or false, e-mail addresses, networks. A value that does not fit raises
:class:`ConfigError` naming the variable and what it wants (segl.config reads them all)."""

from __future__ import annotations

import ipaddress

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
