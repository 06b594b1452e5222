"""Loading the demo data (:func:`segl.demo.load_demo`), through the product's services."""

from __future__ import annotations

import secrets
from collections import Counter
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from oauth2_provider.models import Application

from segl.authenticators.models import Device
from segl.authenticators.services import device_activate, device_import
from segl.centres.models import StockedDevice
from segl.centres.staff import staff_grant
from segl.centres.stock import stock_deliver
from segl.core.cpr import parse_cpr
from segl.core.pskc import parse_pskc
from segl.demo_rp.views import CLIENT_ID as DEMO_BANK_CLIENT_ID
from segl.emulators.device_file import DeviceFile, Kind
from segl.emulators.factory import make_batch
from segl.emulators.issuer import Issuer
from segl.emulators.passport import DEFECTS, Holder, make_document
from segl.identities.models import Person
from segl.identities.selectors import identity_by_user_id
from segl.identities.services import identity_create, person_create
from segl.oidc.services import rp_add

from . import CENTRE_STOCK, DEMO_CENTRE, DEMO_PASSWORD, NEWCOMERS, PEOPLE, DemoOff
from .chips import stock_chips

# Devices of each kind left in stock for orders on the portal and activation by hand.
STOCK = 3


def _same(kind: str, seed: object) -> str:
    return kind


def _make_devices(need: Counter[str]) -> dict[str, list[str]]:
    """Make the devices with the factory, one batch (and PSKC file) per kind, and import them;
    return each kind's serials. One batch each: a PSKC file's key takes a deliberate while to
    derive, once to write and once to read."""
    out = Path(settings.CONFIG.device_dir).parent
    serials: dict[str, list[str]] = {}
    for kind, count in need.items():
        if count <= 0:
            continue
        passphrase = secrets.token_urlsafe(24).encode()
        batch = make_batch(cast(Kind, kind), count, out, passphrase=passphrase)
        seeds = parse_pskc(batch.pskc_path.read_bytes(), passphrase=passphrase)
        device_import(
            seeds=seeds, kind_of=partial(_same, kind), batch=batch.pskc_path.stem, actor="demo"
        )
        serials[kind] = list(batch.serials)
    return serials


def _person(entry: dict[str, Any]) -> Person:
    return person_create(
        cpr=entry["cpr"],
        given_name=entry["given_name"],
        family_name=entry["family_name"],
        address=entry["address"],
        passport_numbers=[entry["passport"]],
        phone=entry["phone"],
        email=entry["email"],
        actor="demo",
    )


def documents_dir() -> Path:
    """The passport factory's folder of the demo: issuer/, trust/ (SEGL_PROOFING_TRUST's
    default with the demo on) and passports/."""
    return Path(settings.CONFIG.data_dir) / "documents"


def _make_documents(now: datetime) -> list[str]:
    """A document for every demo person (a newcomer's of the kind they hold), and one of each
    broken kind for Dorte; made once."""
    folder = documents_dir()
    issuer = Issuer.open(folder, now)
    made = []
    for entry in [*PEOPLE, *NEWCOMERS]:
        path = folder / "passports" / f"{entry['passport']}.json"
        if path.exists():
            continue
        given, family = entry["given_name"], entry["family_name"]
        holder = Holder(
            surname=family,
            given_names=given,
            birth_date=parse_cpr(entry["cpr"]).birth_date,
            sex=entry.get("sex", "X"),
            document_number=entry["passport"],
            issued=(now - timedelta(days=400)).date(),
            kind=entry.get("document", "passport"),
        )
        make_document(issuer, holder, now=now).save(path)
        made.append(f"{entry.get('document', 'passport')} {entry['passport']}")
        if entry is NEWCOMERS[0]:
            for defect in DEFECTS:
                broken = make_document(issuer, holder, now=now, defect=defect)
                broken.save(folder / "passports" / f"{entry['passport']}-{defect}.json")
            made.append(f"{len(DEFECTS)} broken documents")
    return made


def load(*, now: datetime) -> dict[str, Any]:
    if not settings.CONFIG.demo:
        raise DemoOff(
            "the demo is off here, so no demo data is loaded: demo people have a published "
            "password and device files that show their codes. A demo runs with "
            "SEGL_ENV=development (where SEGL_DEMO is on by default), never in production"
        )
    created: list[str] = []
    with transaction.atomic():
        if not Application.objects.filter(client_id=DEMO_BANK_CLIENT_ID).exists():
            rp_add(
                name="Demo Bank",
                client_id=DEMO_BANK_CLIENT_ID,
                client_secret=settings.CONFIG.demo_rp_secret,
                redirect_uris=[settings.CONFIG.base_url + reverse("demo_rp:callback")],
                actor="demo",
            )
            created.append("Demo Bank")
        new_people = [e for e in PEOPLE if identity_by_user_id(e["user_id"]) is None]
        # A small stock of devices, for orders on the portal and activation by hand, and the
        # demo centre's shelf, for handing a device over at the desk.
        stock = [
            kind
            for kind in ("code_display", "audio_code_reader")
            if not Device.objects.filter(kind=kind, status=Device.Status.IN_STOCK).exists()
        ]
        shelf = {
            kind: count
            for kind, count in CENTRE_STOCK.items()
            if not StockedDevice.objects.filter(centre=DEMO_CENTRE, device__kind=kind).exists()
        }
        need: Counter[str] = Counter()
        for entry in new_people:
            need.update(entry["devices"])
        need.update({kind: STOCK for kind in stock})
        need.update({kind: count for kind, count in shelf.items() if kind != "chip"})
        made = _make_devices(need)
        for entry in new_people:
            person = _person(entry)
            identity = identity_create(
                person=person, user_id=entry["user_id"], actor="demo", now=now
            )
            for kind in entry["devices"]:
                serial = made[kind].pop(0)
                device_file = DeviceFile.load(Path(settings.CONFIG.device_dir) / f"{serial}.json")
                # Activated a minute ago, so the code showing now has not been used.
                activated = now - timedelta(seconds=60)
                device_activate(
                    identity=identity,
                    serial=serial,
                    code=device_file.press(activated),
                    password=DEMO_PASSWORD,
                    now=activated,
                    actor="demo",
                )
            for role in entry.get("staff", ()):
                staff_grant(identity=identity, centre=DEMO_CENTRE, role=role, now=now, actor="demo")
            created.append(entry["user_id"])
        for entry in NEWCOMERS:
            if not Person.objects.filter(cpr=entry["cpr"]).exists():
                _person(entry)
                created.append(f"{entry['given_name']} (no segl yet)")
        created += _make_documents(now)
        created += [f"{STOCK} of {kind} in stock" for kind in stock]
        # Chips come from the chip factory (no seeds): for the stock and the shelf.
        in_stock = Device.objects.filter(kind="chip", status=Device.Status.IN_STOCK).exists()
        chips = (0 if in_stock else STOCK) + shelf.get("chip", 0)
        if chips:
            stock_chips(chips)
        if not in_stock:
            created.append(f"{STOCK} of chip in stock")
        for kind, count in shelf.items():
            stock_deliver(centre=DEMO_CENTRE, kind=kind, count=count, now=now, actor="demo")
            created.append(f"{count} of {kind} at {DEMO_CENTRE}")
    text = ("demo data loaded: " + ", ".join(created)) if created else "demo data already there"
    return {"created": created, "text": text, "password": DEMO_PASSWORD}
