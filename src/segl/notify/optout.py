"""E-mails a citizen may switch off, and the addresses that did (RFC 2369 List-Unsubscribe,
RFC 8058 one-click).

Only notices that are a courtesy can be switched off: an order on its way, a reminder of an
appointment. A notice about the security of someone's segl (a new authenticator, a changed
password, a blocked device …) is not one of them: it is how a citizen learns that someone else
is using their identity, so it has no List-Unsubscribe and always comes.

An address that switched off is kept as a keyed hash (the key is ``SEGL_SECRET_KEY``'s), so the
table is no list of addresses. The link in the mail carries the address signed with that key,
so only the mail's reader can switch it off, and it needs no login.
"""

from __future__ import annotations

from datetime import datetime

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.crypto import salted_hmac

from .models import EmailOptOut

# The purposes that are a courtesy (segl.orders, segl.centres); every other one is security.
OPTIONAL = frozenset({"order_shipped", "order_ready", "appointment_reminder"})
_SALT = "segl.notify.optout"


def optional(purpose: str) -> bool:
    return purpose in OPTIONAL


def _hash(address: str) -> str:
    return salted_hmac(_SALT, address.strip().lower(), algorithm="sha256").hexdigest()


def opted_out(address: str, purpose: str) -> bool:
    """Whether this e-mail must not go: an optional notice to an address that switched off."""
    return optional(purpose) and EmailOptOut.objects.filter(address_hash=_hash(address)).exists()


def unsubscribe_path(address: str) -> str:
    """The one-click link's path for ``address``; it does not run out."""
    token = signing.dumps(address.strip().lower(), salt=_SALT, compress=True)
    return reverse("notify:unsubscribe", args=[token])


def address_of(token: str) -> str | None:
    """The address a link was made for, or None when it was not made by this segl."""
    try:
        address = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    return address if isinstance(address, str) else None


def opt_out(address: str, *, now: datetime) -> None:
    """Switch the optional notices off for ``address`` (again is no error)."""
    try:
        with transaction.atomic():
            EmailOptOut.objects.get_or_create(
                address_hash=_hash(address), defaults={"created_at": now}
            )
    except IntegrityError:  # the same click twice at once: the other one wrote it
        pass
