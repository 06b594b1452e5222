"""What segl refuses to start with (decision 16).

:mod:`segl.settings` runs :func:`refuse_unsafe` on the configuration as it loads it, so every
command, ``segl serve`` and each of its worker processes stops with a :class:`ConfigError` that
names the problem before anything is served. In production (``SEGL_ENV=production``):

- the demo is off. ``SEGL_DEMO=true`` is refused: a public demo runs with
  ``SEGL_ENV=development``, where its emulators, phone and Demo Bank are served;
- the demo's relying-party secret (``SEGL_DEMO_RP_SECRET``) is not set;
- the device directory holds no device files. An emulated device's file holds its seed, and
  only the demo's emulator pages read it: on a production machine it is a copy of a citizen's
  second factor;
- identity proofing trusts no CSCA of the passport factory (``SEGL_PROOFING_TRUST``): anyone
  can make a passport it signs; and faces are not checked by the demo's comparison.

In every environment the key ring must open (``SEGL_KEYS``, ``SEGL_KEYS_FILE`` or
``SEGL_KEY_PROVIDER``), so a wrong key or an unreachable key service stops segl at start-up
rather than at the first login.

:func:`check_workers` is the rule for several worker processes: without ``REDIS_URL`` each
process keeps its own cache, so the rate limits would be counted per process. In production
``segl serve --workers N`` refuses to start and ``segl check --workers N`` fails; elsewhere
both warn.
"""

from __future__ import annotations

from pathlib import Path

from segl.config import Config, ConfigError
from segl.keysource import keyring_for
from segl.trustfolder import read_trust_list


def device_files(directory: Path) -> list[Path]:
    """The emulated devices' files in ``directory`` (none if it does not exist)."""
    if not directory.is_dir():
        return []
    return sorted(path for path in directory.glob("*.json") if path.is_file())


def production_problems(config: Config) -> list[str]:
    """Why this configuration must not serve production; empty when it may."""
    if config.env != "production":
        return []
    problems = []
    if config.demo:
        problems.append(
            "SEGL_DEMO=true is not allowed with SEGL_ENV=production: the demo's emulators show "
            "one-time codes to anyone; run a public demo with SEGL_ENV=development"
        )
    if config.demo_rp_secret:
        problems.append(
            "SEGL_DEMO_RP_SECRET is set: Demo Bank's secret belongs to the demo; "
            "remove it from a production configuration"
        )
    files = device_files(config.device_dir)
    if files:
        problems.append(
            f"the device directory {config.device_dir} holds {len(files)} emulated device "
            f"file(s) (e.g. {files[0].name}), which hold device seeds: move them off this "
            "machine or delete them (SEGL_DEVICE_DIR names the directory)"
        )
    problems += _proofing_problems(config)
    return problems


def _proofing_problems(config: Config) -> list[str]:
    problems = []
    if config.face_verifier == "demo":
        problems.append(
            "SEGL_FACE_VERIFIER=demo compares the demo's drawn faces only: use review or vendor"
        )
    folder = config.proofing_trust
    if folder is not None and folder.is_dir():
        try:
            trust = read_trust_list(folder)
        except ValueError as exc:
            problems.append(f"SEGL_PROOFING_TRUST: {exc}")
        else:
            if trust.is_demo:
                problems.append(
                    f"SEGL_PROOFING_TRUST ({folder}) trusts the passport factory's "
                    "test CSCA, with which anyone can make a passport: remove it"
                )
    return problems


def refuse_unsafe(config: Config) -> None:
    """Raise :class:`ConfigError` if segl must not start with ``config``."""
    problems = production_problems(config)
    if problems:
        raise ConfigError("refusing to start in production: " + "; ".join(problems))
    try:
        keyring_for(keys=config.keyring, provider=config.key_provider)
    except Exception as exc:  # a provider's own error, whatever its class: name it, stop
        source = "SEGL_KEY_PROVIDER" if config.key_provider else "SEGL_KEYS or SEGL_KEYS_FILE"
        raise ConfigError(f"{source}: the key ring does not open: {exc}") from None


def workers_problem(*, workers: int, redis_url: str | None) -> str | None:
    """Why ``workers`` processes must not run on this cache; ``None`` when they may."""
    if workers > 1 and not redis_url:
        return (
            f"{workers} workers without REDIS_URL: each process would count the rate limits on "
            f"its own, so they would let {workers} times as many requests through; set REDIS_URL "
            "to a Redis server that every worker and node shares"
        )
    return None


def check_workers(config: Config, workers: int) -> str | None:
    """Raise :class:`ConfigError` if ``workers`` processes must not serve production on this
    cache; return a warning where they may run but should not, else ``None``."""
    problem = workers_problem(workers=workers, redis_url=config.redis_url)
    if problem and config.env == "production":
        raise ConfigError(problem)
    return problem
