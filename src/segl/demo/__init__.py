"""Demo data: synthetic people, identities with activated devices, and Demo Bank.

The devices come from the factory as from a vendor: device files for the emulators and an
encrypted PSKC file that segl imports. Loading twice changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

DEMO_PASSWORD = "segl demo login"

# Synthetic people; CPR numbers from dates and serials that no register would hand out together.
PEOPLE: list[dict[str, Any]] = [
    {
        "user_id": "demo-anna",
        "email": "anna@example.dk",
        "phone": "+4520000001",
        "cpr": "0103804001",
        "given_name": "Anna",
        "family_name": "Jensen",
        "address": "Nørregade 1, 1165 København K",
        "passport": "206112233",
        "devices": ["code_display"],
    },
    {
        "user_id": "demo-bo",
        "email": "bo@example.dk",
        "phone": "+4520000002",
        "cpr": "1507723003",
        "given_name": "Bo",
        "family_name": "Nielsen",
        "address": "Vestergade 12, 8000 Aarhus C",
        "passport": "206445566",
        "devices": ["audio_code_reader", "code_display"],
    },
    {
        "user_id": "demo-carla",
        "email": "carla@example.dk",
        "phone": "+4520000003",
        "cpr": "2412994006",
        "given_name": "Carla",
        "family_name": "Hansen",
        "address": "Algade 3, 9000 Aalborg",
        "passport": "206778899",
        "devices": ["code_display"],
    },
    {
        # Packs and sends orders on the desk's fulfilment page, and delivers to the centre.
        "user_id": "demo-ole",
        "email": "ole@example.dk",
        "phone": "+4520000004",
        "cpr": "0906704007",
        "given_name": "Ole",
        "family_name": "Petersen",
        "address": "Torvet 5, 4000 Roskilde",
        "passport": "206990011",
        "devices": ["code_display"],
        "staff": ["fulfilment"],
    },
    {
        # Operators at Borgerservice Vesterbro: one serves, the other approves (dual control).
        "user_id": "demo-olivia",
        "email": "olivia@example.dk",
        "phone": "+4520000007",
        "cpr": "1202824002",
        "given_name": "Olivia",
        "family_name": "Madsen",
        "address": "Istedgade 40, 1650 København V",
        "passport": "206334455",
        "devices": ["code_display"],
        "staff": ["operator"],
    },
    {
        "user_id": "demo-sune",
        "email": "sune@example.dk",
        "phone": "+4520000008",
        "cpr": "2303755011",
        "given_name": "Sune",
        "family_name": "Kristensen",
        "address": "Enghavevej 9, 1674 København V",
        "passport": "206556677",
        "devices": ["code_display"],
        "staff": ["operator", "supervisor"],
    },
]

# Where the demo's staff work, and what that centre holds for its desk.
DEMO_CENTRE = "kbh-vesterbro"
CENTRE_STOCK = {"code_display": 3, "audio_code_reader": 2, "chip": 2}


# People in the register with no segl yet: they get one in the app with a passport or ID card
# (the passport factory's documents, under the data directory's documents/passports).
NEWCOMERS: list[dict[str, Any]] = [
    {
        "email": "dorte@example.dk",
        "phone": "+4520000005",
        "cpr": "0403851234",
        "given_name": "Dorte Marie",
        "family_name": "Hansen",
        "sex": "F",
        "address": "Strandvejen 20, 2900 Hellerup",
        "passport": "207112233",
        "document": "passport",
    },
    {
        "email": "emil@example.dk",
        "phone": "+4520000006",
        "cpr": "1508921237",
        "given_name": "Emil",
        "family_name": "Larsen",
        "sex": "M",
        "address": "Jernbanegade 7, 5000 Odense C",
        "passport": "IA4455667",
        "document": "id_card",
    },
    {
        # Walks in at Borgerservice Vesterbro with her passport and leaves with a segl.
        "email": "frida@example.dk",
        "phone": "+4520000009",
        "cpr": "1710905678",
        "given_name": "Frida",
        "family_name": "Holm",
        "sex": "F",
        "address": "Sønder Boulevard 50, 1720 København V",
        "passport": "207889900",
        "document": "passport",
    },
]


class DemoOff(Exception):
    """Demo data is loaded only where the demo runs (``SEGL_DEMO``), never in production."""


def load_demo(*, now: datetime) -> dict[str, Any]:
    """Load the demo people, their devices, Demo Bank and a small stock; ``DemoOff`` with the
    demo off."""
    from .loading import load

    return load(now=now)
