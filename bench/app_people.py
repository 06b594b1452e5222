"""People whose one authenticator is the segl app, activated over HTTP as a citizen does it:
an activation code (as Borgerservice issues it), the app's emulator sends it with the user ID,
the temporary PIN from the SMS in the outbox, a new PIN. The app's keys are kept in a state
file that the emulator opens again.

Run as a script in a running segl's own environment (its settings file and database, as
``bench/people.py`` is); it reaches segl at its base URL, registers a relying party, and prints
everything a client needs as JSON::

    python bench/app_people.py --count 3 --redirect-uri http://localhost:8000/cb --state app.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

PIN = "2580"


def temporary_pin(phone: str) -> str:
    """The six-digit code of the newest temporary PIN message to ``phone``."""
    from segl.notify.models import OutboxMessage

    sms = OutboxMessage.objects.filter(to=phone, purpose="temporary_pin").latest("id")
    codes = set(re.findall(r"(?<!\d)\d{6}(?!\d)", sms.text))
    if len(codes) != 1:
        raise RuntimeError("the temporary PIN message holds no single six-digit code")
    return codes.pop()


def make_app_people(n: int, state: Path) -> list[str]:
    """n identities with an activated app each (the app is their preferred method); their
    user IDs. The apps' keys go to ``state``."""
    from django.conf import settings

    from segl.app.emulator import AppEmulator
    from segl.app.services import activation_code_issue
    from segl.identities.services import identity_create, person_create

    app = AppEmulator(settings.CONFIG.base_url, state=state)
    batch = secrets.randbelow(10_000)
    user_ids = []
    for i in range(n):
        now = datetime.now(UTC)
        phone = f"+4561{batch:04d}{i:02d}"
        person = person_create(
            cpr=f"{i % 28 + 1:02d}{batch % 12 + 1:02d}85{secrets.randbelow(10_000):04d}",
            given_name="App",
            family_name=str(i),
            phone=phone,
        )
        identity = identity_create(person=person, user_id=f"app-{batch}-{i}", now=now)
        identity.preferred_method = "app"
        identity.save(update_fields=["preferred_method"])
        code = activation_code_issue(identity=identity, now=now, issued_by="bench")
        activation = app.start_activation(identity.user_id, code)
        app.finish_activation(
            activation, user_id=identity.user_id, temporary_pin=temporary_pin(phone), pin=PIN
        )
        user_ids.append(identity.user_id)
    return user_ids


def main() -> None:
    parser = argparse.ArgumentParser(description="make people with the app; print them as JSON")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--redirect-uri", required=True)
    parser.add_argument("--state", type=Path, required=True, help="the app emulator's state file")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segl.settings")
    import django

    django.setup()
    from segl.oidc.services import rp_add

    user_ids = make_app_people(args.count, args.state)
    app, secret = rp_add(name="App RP", redirect_uris=[args.redirect_uri])
    print(
        json.dumps(
            {
                "client_id": app.client_id,
                "client_secret": secret,
                "redirect_uri": args.redirect_uri,
                "pin": PIN,
                "state": str(args.state),
                "people": user_ids,
            }
        )
    )


if __name__ == "__main__":
    main()
