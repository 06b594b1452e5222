"""E-mail through Django's mail framework: SMTP (``SEGL_EMAIL_HOST`` …) or any backend an
operator names in ``SEGL_EMAIL_BACKEND``, e.g. a django-anymail provider's API with its settings
in ``SEGL_ANYMAIL``.

A notice is plain text, its Danish part first and its English part after it (the outbox row's
text is the two parts with a blank line between). Django adds ``Date``; ``Message-ID`` is made
here, in the sender's domain, and kept as the message's reference. A notice that a citizen may
switch off (:mod:`segl.notify.optout`) has ``List-Unsubscribe`` with a one-click link
(RFC 8058); a notice about the security of their segl has none, since it must always come.
"""

from __future__ import annotations

from email.utils import make_msgid, parseaddr

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from .models import OutboxMessage
from .optout import optional, unsubscribe_path

SUBJECTS: dict[str, tuple[str, str]] = {
    "order_": ("Din bestilling", "Your order"),
    "appointment_": ("Din tid i Borgerservice", "Your appointment"),
    "": ("Besked om dit segl", "A notice about your segl"),
}
SECURITY_FOOTER = (
    "Du får denne besked, fordi den handler om sikkerheden ved dit segl.",
    "You get this message because it concerns the security of your segl.",
)
OPTIONAL_FOOTER = (
    "Vil du ikke have disse e-mails, så afmeld dem her: {link}",
    "To stop these e-mails, unsubscribe here: {link}",
)


# What is not a notice about someone's security: their orders and appointments.
NOT_SECURITY = tuple(prefix for prefix in SUBJECTS if prefix)


def subject(purpose: str) -> str:
    danish, english = next(v for k, v in SUBJECTS.items() if purpose.startswith(k))
    return f"segl: {danish} / {english}"


def body(message: OutboxMessage, link: str = "") -> str:
    """The mail's text: the Danish part and the English part, each with its footer (how to
    switch it off, or why it cannot be; an appointment's own mail has none)."""
    danish, _, english = message.text.partition("\n\n")
    if link:
        footers = tuple(footer.format(link=link) for footer in OPTIONAL_FOOTER)
    elif not message.purpose.startswith(NOT_SECURITY):
        footers = SECURITY_FOOTER
    else:
        footers = ("", "")
    parts = [danish.strip(), footers[0], "-- English --", english.strip(), footers[1]]
    return "\n\n".join(part for part in parts if part) + "\n"


class DjangoMail:
    """Sends each e-mail at once over the configured backend; an error (a refused connection,
    a 4xx or 5xx from the server) is raised, so the outbox tries again."""

    def send(self, message: OutboxMessage) -> str | None:
        domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or None
        headers = {"Message-ID": make_msgid("segl", domain=domain), "Content-Language": "da, en"}
        link = ""
        if optional(message.purpose):
            link = settings.CONFIG.base_url + unsubscribe_path(message.to)
            headers["List-Unsubscribe"] = f"<{link}>"
            headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        mail = EmailMessage(
            subject=subject(message.purpose),
            body=body(message, link),
            to=[message.to],
            headers=headers,
            connection=get_connection(fail_silently=False),
        )
        mail.send()
        return headers["Message-ID"]
