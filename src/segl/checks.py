"""Django system checks of segl's configuration: what an operator should fix, and how.

:mod:`segl.config` refuses what cannot work (a missing key, a malformed address) and
:mod:`segl.startup` what must not serve production; these checks name what works but is unwise,
each with an id and a hint. ``segl check`` and ``segl manage check`` run them; an error fails
the check, a warning is shown. Registered by :class:`segl.web.apps.WebConfig`.

=========  ===========================================================================
segl.E001  SEGL_DEBUG is on in production
segl.E002  SEGL_SECRET_KEY is weak (few different characters, or a placeholder)
segl.E003  SEGL_TRUSTED_PROXIES trusts every address
segl.W001  production is served over plain http (only localhost is allowed that)
segl.W002  production without REDIS_URL
segl.W003  SEGL_TRUSTED_PROXIES trusts a very wide network
segl.W004  production behind a TLS proxy, but no SEGL_TRUSTED_PROXIES
segl.E004  SEGL_PROOFING_TRUST does not load (a file that is no certificate, list or CRL)
segl.W005  a revocation list in SEGL_PROOFING_TRUST is past its next update
segl.W006  production without SEGL_SUPPORT_EMAIL (the accessibility statement has no address)
segl.W007  production where SMS or e-mail leave no further than the outbox (no provider set)
segl.E005  SEGL_CHIP_MODELS does not load (models.json, a root or the MDS3 blob)
segl.E006  SEGL_CHIP_MODELS accepts Chromium's virtual authenticator in production
=========  ===========================================================================

The chip's two are registered by its own folder (:mod:`segl.chip.checks`), which reads the
allow-list.

=========  ===========================================================================
=========  ===========================================================================
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from segl import clock
from segl.config import Config
from segl.noticesettings import OUTBOX
from segl.trustfolder import read_trust_list

# Wider than this, a network holds addresses that are not the operator's proxies.
WIDEST_IPV4_PREFIX = 16
WIDEST_IPV6_PREFIX = 48
_PLACEHOLDERS = ("django-insecure", "changeme", "change-me", "secret", "xxxxxxxx")


@register(Tags.security)
def check_configuration(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    config: Config = settings.CONFIG
    return [
        *_production(config),
        *_secret_key(config),
        *_proxies(config),
        *_proofing_trust(config),
    ]


def _production(config: Config) -> list[CheckMessage]:
    if config.env != "production":
        return []
    messages: list[CheckMessage] = []
    if config.debug:
        messages.append(
            Error(
                "SEGL_DEBUG is on in production.",
                hint="Error pages would show code and settings to anyone; remove SEGL_DEBUG.",
                id="segl.E001",
            )
        )
    if not config.base_url.startswith("https://"):
        messages.append(
            Warning(
                f"production is served over plain http ({config.base_url}).",
                hint="Serve segl behind a TLS proxy and set SEGL_BASE_URL to its https address.",
                id="segl.W001",
            )
        )
    if not config.redis_url:
        messages.append(
            Warning(
                "production without REDIS_URL: each process keeps its own cache.",
                hint="Rate limits and the app's doorbell are then counted per process; set "
                "REDIS_URL to a Redis server every worker and node shares.",
                id="segl.W002",
            )
        )
    if config.base_url.startswith("https://") and not config.trusted_proxies:
        messages.append(
            Warning(
                "segl is reached over https, through a proxy, but SEGL_TRUSTED_PROXIES is empty.",
                hint="Every client then has the proxy's address, in rate limits and the audit "
                "log; list the proxy's address in SEGL_TRUSTED_PROXIES.",
                id="segl.W004",
            )
        )
    if not config.support_email:
        messages.append(
            Warning(
                "production without SEGL_SUPPORT_EMAIL.",
                hint="The accessibility statement tells people where to report a barrier; set "
                "SEGL_SUPPORT_EMAIL to an address someone reads.",
                id="segl.W006",
            )
        )
    outbox_only = [
        name
        for name, gateway in (("SMS", config.notices.sms_gateway),
                              ("e-mail", config.notices.email_gateway))
        if gateway == OUTBOX
    ]  # fmt: skip
    if outbox_only:
        messages.append(
            Warning(
                f"production where {' and '.join(outbox_only)} go no further than the outbox.",
                hint="Temporary PIN codes and notices then reach no one; set SEGL_SMS_URL and "
                "SEGL_EMAIL_HOST (or SEGL_EMAIL_BACKEND), or a gateway of your own.",
                id="segl.W007",
            )
        )
    return messages


def _secret_key(config: Config) -> list[CheckMessage]:
    key = config.secret_key
    if len(set(key)) >= 5 and not key.lower().startswith(_PLACEHOLDERS):
        return []
    return [
        Error(
            "SEGL_SECRET_KEY is weak: too few different characters, or a placeholder.",
            hint="Use 'segl init' to write a fresh one, or any 48 random bytes in base64.",
            id="segl.E002",
        )
    ]


def _proxies(config: Config) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for network in config.trusted_proxies:
        widest = WIDEST_IPV4_PREFIX if network.version == 4 else WIDEST_IPV6_PREFIX
        if network.prefixlen == 0:
            messages.append(
                Error(
                    f"SEGL_TRUSTED_PROXIES trusts every address ({network}).",
                    hint="Any client could then choose the address segl sees in "
                    "X-Forwarded-For; list only your proxies' addresses.",
                    id="segl.E003",
                )
            )
        elif network.prefixlen < widest:
            messages.append(
                Warning(
                    f"SEGL_TRUSTED_PROXIES trusts a very wide network ({network}).",
                    hint="A client inside it could choose the address segl sees; list the "
                    "proxies' own addresses or a narrow network.",
                    id="segl.W003",
                )
            )
    return messages


def _proofing_trust(config: Config) -> list[CheckMessage]:
    folder = config.proofing_trust
    if folder is None or not folder.is_dir():
        return []
    try:
        trust = read_trust_list(folder)
    except ValueError as exc:
        return [
            Error(
                f"SEGL_PROOFING_TRUST ({folder}) does not load: {exc}.",
                hint="Keep only CSCA certificates, master lists (.ml) and CRLs (.crl) there; "
                "proofing with a passport or ID card is unavailable until it loads.",
                id="segl.E004",
            )
        ]
    return [
        Warning(
            f"The revocation list of {crl.issuer.rfc4514_string()} in {folder} was due to be "
            f"replaced on {crl.next_update_utc:%Y-%m-%d}.",
            hint="Fetch the country's current CRL (from the ICAO PKD or the country) and put "
            "it in the folder: a document signer revoked since is not known.",
            id="segl.W005",
        )
        for crl in trust.stale_revocation_lists(clock.now())
    ]
