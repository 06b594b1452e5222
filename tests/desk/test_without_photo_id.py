"""A person with no valid photo ID is not turned away: the desk records what they showed, a
second operator approves a segl at Substantial, and the app's activation code goes by letter to
their registered address. Nothing that needs a photo ID is done for them at the desk."""

from __future__ import annotations

import re

from segl.app.services.activation import activation_start
from segl.centres.models import Approval
from segl.centres.stock import stock_deliver
from segl.identities.models import Identity
from segl.notify.models import OutboxMessage
from tests.conftest import make_device
from tests.desk.conftest import desk_login
from tests.desk.test_display import answer, paired, screen

SECRET = "a passphrase for no photo id"


def test_without_photo_id_a_segl_comes_by_letter(staff, desk, newcomer, clock):
    newcomer.address = "Sønder Boulevard 50, 1720 København V"
    newcomer.save()
    url = desk.post("/desk/visits/", {"cpr": newcomer.cpr})["Location"]
    short = desk.post(url + "no-photo-id/", {"seen": "x"})
    assert short.status_code == 400 and b"Write what the person showed instead" in short.content
    assert (
        desk.post(
            url + "no-photo-id/", {"seen": "health insurance card, birth certificate"}
        ).status_code
        == 302
    )
    page = desk.get(url).content.decode()
    assert "No valid photo ID. Shown instead: health insurance card, birth certificate" in page

    display = paired(desk, url)
    desk.post(url + "display/ask/", {"prompt": "new_identity"})
    answer(display, {"user_id": "dorte-letter", "password": SECRET, "password_again": SECRET})
    approval = Approval.objects.get()
    desk_login(staff.second).post(f"/desk/approvals/{approval.pk}/", {"decision": "approve"})
    identity = Identity.objects.get(user_id="dorte-letter")
    assert identity.ial == "substantial"  # not in person with a photo ID: never High

    make_device("code_display")
    stock_deliver(centre="kbh-vesterbro", kind="code_display", count=1, now=clock(), actor="t")
    refused = desk.post(url + "device/", {"serial": "CD0000000001"})
    assert refused.status_code == 400 and b"This needs a valid photo ID" in refused.content
    assert desk.post(url + "app-code/").status_code == 400
    assert desk.post(url + "display/ask/", {"prompt": "password"}).status_code == 400
    assert desk.post(url + "ask/", {"action": "lift_lock"}).status_code == 400
    assert desk.post(url + "pickup/", {"reference": "ANY"}).status_code == 400

    assert desk.post(url + "letter/").status_code == 302
    letter = OutboxMessage.objects.get(channel="letter")
    assert letter.to == "Sønder Boulevard 50, 1720 København V"
    code = re.search(r"activation code for the segl app is ([A-Z0-9-]{14})", letter.text)
    assert code and code.group(1) not in desk.get(url).content.decode()
    assert code.group(1) not in screen().get("/display/").content.decode()
    started = activation_start(user_id="dorte-letter", code=code.group(1), now=clock())
    assert started.identity_id == identity.pk
