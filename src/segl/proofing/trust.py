"""The configured trust list of passive authentication (``SEGL_PROOFING_TRUST``, read by
:mod:`segl.trustfolder`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from django.conf import settings

from segl.core.documents import ChipCheck, check_chip
from segl.core.errors import DocumentRefused, MrzInvalid
from segl.core.mrz import parse
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


def read_chip_at_desk(
    *, printed_mrz: str, groups: Mapping[int, bytes], sod: bytes, now: datetime
) -> ChipCheck:
    """A document's chip read by the reader at a citizen service centre's desk: passive
    authentication against the trust list, and DG1 must be the zone the reader saw printed.
    The document is in the operator's hands, so there is no clone check. ``DocumentRefused``
    names the reason (``proofing_unavailable`` without a trust list)."""
    try:
        trust = trust_list()
    except ValueError:
        trust = None
    if trust is None:
        raise DocumentRefused("proofing_unavailable")
    try:
        printed = parse(printed_mrz)
    except MrzInvalid:
        raise DocumentRefused("chip_data_malformed") from None
    return check_chip(printed, groups, sod, trust, at=now)
