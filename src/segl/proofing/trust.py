"""The configured trust list of passive authentication (``SEGL_PROOFING_TRUST``, read by
:mod:`segl.trustfolder`)."""

from __future__ import annotations

from django.conf import settings

from segl.core.trust import TrustList
from segl.trustfolder import read_trust_list


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
