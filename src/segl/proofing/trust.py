"""The trust list of passive authentication, read from the folder ``SEGL_PROOFING_TRUST``
names (:class:`segl.core.trust.TrustList`): read again when a file in it changes, so a new
master list or revocation list takes effect without a restart."""

from __future__ import annotations

import threading
from pathlib import Path

from django.conf import settings

from segl.core.trust import TrustList

_lock = threading.Lock()
_cache: dict[Path, tuple[tuple[tuple[str, int, int], ...], TrustList]] = {}


def trust_files(folder: Path) -> list[Path]:
    """The files of a trust folder (all but hidden ones: each must be a trusted thing)."""
    if not folder.is_dir():
        raise ValueError(f"{folder} is not a folder")
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def read_trust_list(folder: Path) -> TrustList:
    """The trust list the folder holds now; ``ValueError`` names a file that is wrong."""
    files = trust_files(folder)
    stamp = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    with _lock:
        cached = _cache.get(folder)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    trust = TrustList.from_files((p.name, p.read_bytes()) for p in files)
    with _lock:
        _cache[folder] = (stamp, trust)
    return trust


def trust_list() -> TrustList | None:
    """The configured trust list; ``None`` when proofing with documents is not set up.
    ``ValueError`` when it does not load (or, in production, holds the factory's test CSCA,
    put there after start-up)."""
    folder = settings.CONFIG.proofing_trust
    if folder is None or not folder.is_dir():
        return None
    trust = read_trust_list(folder)
    if settings.CONFIG.env == "production" and trust.is_demo:
        raise ValueError("the passport factory's test CSCA is not trusted in production")
    return trust if trust.cscas else None
