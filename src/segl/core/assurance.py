"""Assurance levels (NSIS) and how a login's level is reached.

The achieved level of a login is the lowest of the identity's proofing level (IAL) and the level
of the authenticator used (AAL). Levels are sent to RPs as the NSIS URIs in ``acr``/``loa``.
"""

from __future__ import annotations

from collections.abc import Collection
from enum import IntEnum

NSIS = "https://data.gov.dk/concept/core/nsis/"


class Level(IntEnum):
    LOW = 1
    SUBSTANTIAL = 2
    HIGH = 3

    @property
    def uri(self) -> str:
        return NSIS + self.name.capitalize()

    @property
    def key(self) -> str:
        """The lower-case name used in the database and configuration."""
        return self.name.lower()

    @classmethod
    def from_key(cls, key: str) -> Level:
        try:
            return cls[key.upper()]
        except KeyError:
            raise ValueError(f"unknown assurance level {key!r}") from None

    @classmethod
    def from_uri(cls, uri: str) -> Level | None:
        for level in cls:
            if level.uri == uri:
                return level
        return None


def achieved(ial: Level, aal: Level) -> Level:
    return min(ial, aal)


def requested_level(acr_values: str | None) -> Level | None:
    """The level an ``acr_values`` request asks for (OpenID Connect Core §3.1.2.1).

    ``acr_values`` lists acceptable values in order of preference; any listed level is
    acceptable, so the lowest known one is what must be reached. Unknown values are ignored.
    """
    if not acr_values:
        return None
    levels = [lvl for lvl in map(Level.from_uri, acr_values.split()) if lvl is not None]
    return min(levels) if levels else None


def reported_level(reached: Level, accepted: Collection[Level]) -> Level:
    """The ``acr`` to report when the RP named the acceptable levels as an essential claim.

    OpenID Connect Core §5.5.1.1: the server "MUST return an acr Claim Value that matches one of
    the requested values". NSIS levels are ordered and a login at a level meets every level
    below it, so the answer is the highest accepted level at or below the level reached. The
    flow has refused a login below every accepted level, so there is one.
    """
    met = [level for level in accepted if level <= reached]
    if not met:
        raise ValueError(f"{reached.uri} meets none of the accepted levels")
    return max(met)
