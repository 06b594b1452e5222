"""The benchmarks' people: identities with an active code display each, made through segl's own
services, all sharing one password.

Imported by ``bench_login.py``; run as a script by ``bench_http.py`` in a server's own
environment (its settings file and database, its checkout's Python), where it also registers a
relying party and prints everything a client needs as JSON::

    python bench/people.py --count 200 --redirect-uri http://localhost:8000/cb
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
from datetime import UTC, datetime

_made = 0


def make_people(n: int) -> tuple[list[tuple[str, bytes]], str]:
    """n identities with an active code display each; their user IDs and seeds, and the
    password they share."""
    global _made
    first, _made = _made, _made + n
    from segl.authenticators.models import Authenticator, Device
    from segl.authenticators.services import device_import
    from segl.core.pskc import TokenSeed
    from segl.core.secrets import Secret
    from segl.identities.models import Identity, Person
    from segl.identities.passwords import hasher

    password = "benchmark password " + secrets.token_hex(4)
    encoded = hasher().hash(password)
    seeds = [
        TokenSeed(
            serial=f"CD{first + i:010d}",
            algorithm="totp",
            secret=Secret(secrets.token_bytes(20)),
            digits=6,
            hash_algorithm="SHA1",
            period=30,
            t0=0,
            counter=0,
            manufacturer="bench",
            model="code_display",
        )
        for i in range(n)
    ]
    device_import(seeds=seeds, kind_of=lambda s: "code_display", batch="bench")
    people = []
    now = datetime.now(UTC)
    for i, seed in enumerate(seeds, start=first):
        person = Person.objects.create(
            cpr=f"{(i % 28) + 1:02d}0190{i:04d}",
            given_name="B",
            family_name=str(i),
            birth_date="1990-01-01",
        )
        identity = Identity.objects.create(
            person=person,
            user_id=f"bench-{i}",
            password_hash=encoded,
            preferred_method="code_display",
        )
        device = Device.objects.get(serial=seed.serial)
        device.status = "active"
        device.save()
        Authenticator.objects.create(
            identity=identity, kind="code_display", device=device, activated_at=now
        )
        people.append((identity.user_id, seed.secret.reveal()))
    return people, password


def main() -> None:
    parser = argparse.ArgumentParser(description="make benchmark people; print them as JSON")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--redirect-uri", required=True)
    parser.add_argument("--first", type=int, default=0, help="the first person's number")
    args = parser.parse_args()
    global _made
    _made = args.first
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segl.settings")
    import django

    django.setup()
    from segl.oidc.services import rp_add

    people, password = make_people(args.count)
    app, secret = rp_add(name="Benchmark RP", redirect_uris=[args.redirect_uri])
    print(
        json.dumps(
            {
                "client_id": app.client_id,
                "client_secret": secret,
                "redirect_uri": args.redirect_uri,
                "password": password,
                "people": [[user_id, seed.hex()] for user_id, seed in people],
            }
        )
    )


if __name__ == "__main__":
    main()
