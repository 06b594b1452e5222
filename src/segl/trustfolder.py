"""Reading a trust folder for passive authentication (``SEGL_PROOFING_TRUST``): every file in
it (hidden ones aside) into a :class:`segl.core.trust.TrustList`, read again only when a file
in it changes, so a new master list or revocation list takes effect without a restart. One
reader for the server, ``segl check`` and the start-up refusals alike."""

from __future__ import annotations

import threading
from pathlib import Path

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
