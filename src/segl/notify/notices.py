"""Notices to a citizen about their segl: by SMS and by e-mail, to whatever the people register
holds for them, and to each of their segl apps that allowed notifications; in Danish and English
(an SMS in one text, since a phone has no language setting).

Each notice is a security signal as much as a courtesy: a citizen who did not ask for a new
authenticator or a new password learns of it at once, on every channel they have.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Protocol

from .gateways import send_email, send_push, send_sms


class Person(Protocol):
    """What a notice needs of an entry of the people register (so the register can notify)."""

    @property
    def pk(self) -> int: ...

    @property
    def phone(self) -> str: ...

    @property
    def email(self) -> str: ...


# Who else hears of a person's notices: each function gives the addresses (an app's thumbprint)
# of the person's apps that allowed notifications. The app registers its own (segl.app.apps), so
# that this layer needs no knowledge of apps.
PUSH_TARGETS: list[Callable[[Person], Iterable[str]]] = []
PUSH_TITLE = ("Besked om dit segl", "A notice about your segl")


TEXTS: dict[str, tuple[str, str]] = {
    "new_authenticator": (
        "Der er taget en ny {what} i brug til dit segl.",
        "A new {what_en} has been activated for your segl.",
    ),
    "authenticator_retired": (
        "Din {what} er ikke længere i brug til dit segl.",
        "Your {what_en} is no longer in use for your segl.",
    ),
    "authenticator_lost": (
        "Din {what} er meldt mistet og er spærret.",
        "Your {what_en} has been reported lost and is blocked.",
    ),
    "password_changed": (
        "Adgangskoden til dit segl er ændret.",
        "The password of your segl has been changed.",
    ),
    "phone_changed": (
        "Mobilnummeret til dit segl er ændret. Kontakt segl, hvis det ikke var dig.",
        "The mobile number of your segl has been changed. Contact segl if it was not you.",
    ),
    "user_id_changed": (
        "Bruger-ID'et til dit segl er ændret.",
        "The user ID of your segl has been changed.",
    ),
    "delayed_change_requested": (
        "Du har bedt om at godkende med engangskoder. Det træder i kraft om 24 timer.",
        "You asked to approve with one-time codes. It takes effect in 24 hours.",
    ),
    "delayed_change_effective": (
        "Du godkender nu med engangskoder i din segl-app.",
        "You now approve with one-time codes in your segl app.",
    ),
    "delayed_change_cancelled": (
        "Skiftet til engangskoder er annulleret.",
        "The switch to one-time codes has been cancelled.",
    ),
    "fraud_reported_in_app": (
        "Du har afvist et login, du ikke selv startede, og vi har registreret din anmeldelse. "
        "Din segl-app tager ikke imod anmodninger om login de næste {minutes} minutter. Har du "
        "givet dit bruger-ID, din adgangskode eller en kode til nogen, så skift adgangskode på "
        "selvbetjeningen, eller gå i Borgerservice.",
        "You rejected a login you did not start, and we have recorded your report. Your segl "
        "app takes no login requests for the next {minutes} minutes. If you gave your user ID, "
        "password or a code to anyone, change your password on the self-service portal, or "
        "visit a citizen service centre.",
    ),
    "fraud_report_recorded": (
        "Vi har modtaget din anmeldelse af misbrug.",
        "We have received your report of misuse.",
    ),
    "fraud_report": (
        "Vi har modtaget din anmeldelse af misbrug. Det, der blev brugt, er spærret.",
        "We have received your report of misuse. What was used has been blocked.",
    ),
    "authenticator_disabled": (
        "Din {what} er spærret efter for mange forkerte engangskoder. Tag en ny i brug på "
        "selvbetjeningen eller i Borgerservice.",
        "Your {what_en} is blocked after too many wrong one-time codes. Activate a new one on "
        "the self-service portal or at a citizen service centre.",
    ),
    "password_disabled": (
        "Adgangskoden til dit segl er spærret efter for mange forkerte forsøg. Log på med din "
        "segl-app og vælg en ny, eller gå i Borgerservice.",
        "The password of your segl is blocked after too many wrong tries. Log in with your segl "
        "app and choose a new one, or visit a citizen service centre.",
    ),
    # The same, to someone with no segl app to log in with.
    "password_disabled_no_app": (
        "Adgangskoden til dit segl er spærret efter for mange forkerte forsøg. Du vælger en ny, "
        "når du tager en ny kodeviser eller kodeoplæser i brug på selvbetjeningen eller i "
        "Borgerservice.",
        "The password of your segl is blocked after too many wrong tries. You choose a new one "
        "when you activate a new code display or audio code reader, on the self-service portal "
        "or at a citizen service centre.",
    ),
    "identification_disabled": (
        "Identifikation med dit CPR-nummer og pasnummer er spærret efter for mange forkerte "
        "forsøg. Log på selvbetjeningen med dit segl for at åbne den igen.",
        "Identification with your CPR number and passport number is blocked after too many "
        "wrong tries. Log in to the self-service portal with your segl to open it again.",
    ),
    "proofing_confirmed": (
        "Din identitet er bekræftet. Åbn segl-appen inden for et døgn for at tage segl i brug.",
        "Your identity has been confirmed. Open the segl app within a day to start using segl.",
    ),
    "proofing_refused": (
        "Vi kunne ikke bekræfte, at ansigtet er pasholderens. Gå i Borgerservice med dit pas.",
        "We could not confirm that the face is the passport holder's. Visit a citizen service "
        "centre with your passport.",
    ),
    "proofing_restarted": (
        "Dit segl er startet forfra med dit pas. Det, du brugte før, virker ikke længere. Var "
        "det ikke dig, så gå straks i Borgerservice.",
        "Your segl was started again with your passport. What you used before no longer works. "
        "If this was not you, visit a citizen service centre at once.",
    ),
    "app_pin_changed": (
        "Pinkoden til din segl-app er ændret. Kontakt segl, hvis det ikke var dig.",
        "The PIN code of your segl app has been changed. Contact segl if it was not you.",
    ),
    "chip_cloned": (
        "Din chip er spærret, fordi den svarede, som om den var kopieret. Var det ikke dig, der "
        "brugte den, så gå i Borgerservice med din chip og billed-ID.",
        "Your chip is suspended, because it answered as if it had been copied. Visit a citizen "
        "service centre with your chip and photo ID.",
    ),
    "app_locked": (
        "Din segl-app er spærret efter 5 forkerte pinkoder. Aktivér den igen for at bruge den.",
        "Your segl app is locked after 5 wrong PIN codes. Activate it again to use it.",
    ),
}

KIND_NAMES: dict[str, tuple[str, str]] = {
    "app": ("segl-app", "segl app"),
    "code_display": ("kodeviser", "code display"),
    "audio_code_reader": ("kodeoplæser", "audio code reader"),
    "chip": ("chip", "chip"),
}


def notice_parts(purpose: str, *, kind: str = "", minutes: int = 0) -> tuple[str, str]:
    """The notice in Danish and in English."""
    danish, english = TEXTS[purpose]
    what, what_en = KIND_NAMES.get(kind, ("", ""))
    return danish.format(what=what, minutes=minutes), english.format(
        what_en=what_en, minutes=minutes
    )


def notice_text(purpose: str, *, kind: str = "", minutes: int = 0) -> str:
    """The notice as an SMS says it."""
    danish, english = notice_parts(purpose, kind=kind, minutes=minutes)
    return f"segl: {danish} {english}"


def tell(person: Person, purpose: str, *, now: datetime, kind: str = "", minutes: int = 0) -> None:
    """Send the notice ``purpose`` to every channel the person has: their phone and e-mail,
    where the register has them, and their apps that allowed notifications."""
    danish, english = notice_parts(purpose, kind=kind, minutes=minutes)
    send_to(person, danish=danish, english=english, purpose=purpose, now=now)
    payload = push_payload(purpose, title=PUSH_TITLE, text=(danish, english))
    for find in PUSH_TARGETS:
        for thumbprint in find(person):
            send_push(to=thumbprint, payload=payload, purpose=purpose, now=now)


def push_payload(event: str, *, title: tuple[str, str], text: tuple[str, str]) -> str:
    """What an app's service worker shows, in both languages (it picks the phone's). It is
    built from fixed texts only, so it names no code and no secret."""
    return json.dumps(
        {
            "event": event,
            "da": {"title": title[0], "body": text[0]},
            "en": {"title": title[1], "body": text[1]},
        },
        ensure_ascii=False,
    )


def send_to(person: Person, *, danish: str, english: str, purpose: str, now: datetime) -> None:
    """By SMS and by e-mail, to whatever the register holds for the person."""
    if person.phone:
        send_sms(to=person.phone, text=f"segl: {danish} {english}", purpose=purpose, now=now)
    if person.email:
        send_email(to=person.email, text=f"{danish}\n\n{english}", purpose=purpose, now=now)


def send_temporary_pin(*, to: str, pin: str, now: datetime, until: datetime) -> None:
    """The temporary PIN code for activating the app, by SMS: a secret good ``until``, so the
    outbox keeps no readable copy of it after delivery (:mod:`segl.notify.gateways`)."""
    text = (
        f"segl: Din midlertidige pinkode er {pin}. Your temporary PIN code is {pin}. "
        "Del den ikke med nogen. Do not share it with anyone."
    )
    send_sms(to=to, text=text, purpose="temporary_pin", now=now, secret_until=until)
