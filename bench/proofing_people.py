"""People for ``bench_proofing.py``: in the register with a CPR number and no segl, each with
a document of the passport factory (a passport or an ID card) in the site's factory folder, so
that the site trusts it. Run with the site's settings and Python; prints JSON::

    python bench/proofing_people.py --count 100 --kind id_card --out DIR
"""

from __future__ import annotations

import argparse
import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description="make people with documents; print them as JSON")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--kind", choices=("passport", "id_card"), required=True)
    parser.add_argument("--out", required=True, help="where the document files go")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "segl.settings")
    import django

    django.setup()
    from django.conf import settings

    from segl.emulators.issuer import Issuer
    from segl.emulators.passport import Holder, make_document
    from segl.identities.models import Person

    now = datetime.now(UTC)
    issuer = Issuer.open(Path(settings.CONFIG.data_dir) / "documents", now)
    out = Path(args.out)
    first = 1 if args.kind == "passport" else 5000
    people = []
    for n in range(first, first + args.count):
        born = date(1950, 1, 1) + timedelta(days=n)
        cpr = born.strftime("%d%m%y") + f"{n % 4000:04d}"  # a 7th digit 0-3: the 1900s
        number = ("B" if args.kind == "passport" else "C") + f"{n:08d}"
        Person.objects.create(
            cpr=cpr,
            given_name="Bench",
            family_name=str(n),
            birth_date=born,
            passport_numbers=[number],
            phone=f"+4540{n:06d}",
        )
        holder = Holder("Bench", f"N {n}", born, "X", number, now.date(), kind=args.kind)
        path = out / f"{number}.json"
        make_document(issuer, holder, now=now).save(path)
        people.append([cpr, str(path)])
    print(json.dumps(people))


if __name__ == "__main__":
    main()
