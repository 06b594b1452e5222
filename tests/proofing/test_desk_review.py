"""Faces from the proofing queue reviewed at the desk, by staff in their own login: the reviewer
is the staff member, and two of them are needed for High."""

from __future__ import annotations

import re

from segl.proofing.models import Proofing
from segl.proofing.review import reviews_waiting
from tests.desk.conftest import desk_login
from tests.proofing.conftest import citizen


def test_two_operators_review_a_face_at_the_desk(factory, journey, staff):
    who = citizen(factory)
    assert journey.prove(who.document, cpr=who.cpr, same_person=False)["decision"] == "review"
    (waiting,) = reviews_waiting()
    first, second = desk_login(staff.operator), desk_login(staff.second)
    listed = first.get("/desk/reviews/").content.decode()
    assert f"/desk/reviews/{waiting.id}/" in listed
    page = first.get(f"/desk/reviews/{waiting.id}/").content.decode()
    assert len(re.findall(r'src="data:image/(?:png|jpeg);base64,', page)) == 2
    assert first.post(f"/desk/reviews/{waiting.id}/", {"decision": "same"}).status_code == 302
    twice = first.post(f"/desk/reviews/{waiting.id}/", {"decision": "same"})
    assert twice.status_code == 400 and b"You have decided on this face already" in twice.content
    unseen = second.post(f"/desk/reviews/{waiting.id}/", {"decision": "same"})
    assert unseen.status_code == 400 and b"Look at both pictures" in unseen.content
    assert second.get(f"/desk/reviews/{waiting.id}/").status_code == 200
    assert second.post(f"/desk/reviews/{waiting.id}/", {"decision": "same"}).status_code == 302
    proofing = Proofing.objects.get(pk=waiting.id)
    assert [d["by"] for d in proofing.face_decided_by] == ["ole-operator", "sara-second"]
    assert proofing.state != Proofing.State.REVIEW
    assert first.get(f"/desk/reviews/{waiting.id}/").status_code == 404
    from segl.audit.models import AuditEvent

    decided = AuditEvent.objects.filter(action="proofing.review").exclude(actor="").order_by("id")
    assert [(e.actor, e.data.get("centre")) for e in decided] == [
        ("ole-operator", "kbh-vesterbro"),
        ("sara-second", "kbh-vesterbro"),
    ]
