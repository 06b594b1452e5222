"""How long the outbox keeps what segl sent (``segl purge`` runs this).

The outbox is a queue and a short record of delivery, not an archive: the audit log and the
portal's history keep what happened. So

- a message that held a one-time secret has its text cleared once the secret has run out
  (a temporary PIN code: 10 minutes), whether it was delivered or not; a gateway that sends
  messages on clears it at delivery already (:mod:`segl.notify.gateways`);
- a message that was sent, is dead, or held a secret that ran out before it could be sent, is
  deleted ``keep`` after it was written (``SEGL_OUTBOX_DAYS``, 30 days by default); one still
  waiting to be sent is kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from .models import OutboxMessage

KEEP = timedelta(days=30)


def outbox_purge(*, now: datetime, keep: timedelta = KEEP) -> dict[str, int]:
    """Clear the text of secrets that have run out, and delete messages older than ``keep``."""
    if keep < timedelta(days=1):
        raise ValueError("the outbox keeps messages at least a day (failed ones are retried)")
    with transaction.atomic():
        cleared = (
            OutboxMessage.objects.filter(secret_until__lte=now).exclude(text="").update(text="")
        )
        done = ~Q(sent_at=None) | ~Q(dead_at=None) | Q(secret_until__lte=now)
        deleted, _ = OutboxMessage.objects.filter(done, created_at__lt=now - keep).delete()
    return {"outbox_secrets_cleared": cleared, "outbox_messages": deleted}
