"""The desk's pages with a person at the desk: look up, record the document, ask, approve."""

from __future__ import annotations

from segl.audit.models import AuditEvent
from segl.centres.models import Approval, Visit
from segl.identities.models import Identity
from tests.conftest import make_person
from tests.desk.conftest import desk_login
from tests.staff import CENTRE

DOCUMENT = {"kind": "passport", "number": "207 112 233", "country": "dnk", "expiry": "2031-05-01"}


def start_visit(desk, cpr):
    response = desk.post("/desk/visits/", {"cpr": cpr})
    assert response.status_code == 302, response.content[:300]
    return response["Location"]


def test_a_wrong_cpr_number_is_said_and_nothing_starts(desk):
    response = desk.post("/desk/visits/", {"cpr": "12345"})
    assert response.status_code == 400
    assert b"That is not a CPR number" in response.content
    response = desk.post("/desk/visits/", {"cpr": "0101901234"})
    assert b"No one in the people register has that CPR number" in response.content
    assert not Visit.objects.exists()


def test_the_document_then_a_second_operator_lifts_a_lock(staff, desk):
    citizen = make_person("mona-m")
    visit_url = start_visit(desk, citizen.identity.person.cpr)
    page = desk.get(visit_url).content.decode()
    assert "Record the document" in page and "Lift the password lock" not in page
    expired = desk.post(visit_url + "document/", {**DOCUMENT, "expiry": "2020-01-01"})
    assert expired.status_code == 400 and b"The document has expired" in expired.content
    assert desk.post(visit_url + "document/", DOCUMENT).status_code == 302
    page = desk.get(visit_url).content.decode()
    assert "Checked: Passport from DNK, number 207112233" in page
    assert desk.post(visit_url + "ask/", {"action": "lift_lock"}).status_code == 302
    approval = Approval.objects.get()

    own = desk.post(f"/desk/approvals/{approval.pk}/", {"decision": "approve"})
    assert own.status_code == 403 and b"You asked for this yourself" in own.content
    approval.refresh_from_db()
    assert approval.status == "pending"

    second = desk_login(staff.second)
    assert "Lift a lock" in second.get("/desk/").content.decode()
    assert b"207112233" in second.get(f"/desk/approvals/{approval.pk}/").content
    done = second.post(f"/desk/approvals/{approval.pk}/", {"decision": "approve"})
    assert done.status_code == 302
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by) == ("done", staff.second)
    event = AuditEvent.objects.filter(action="desk.approval").latest("id")
    assert (event.actor, event.data["centre"], event.data["document"]) == (
        "sara-second",
        CENTRE,
        "passport DNK 207112233",
    )
    assert Identity.objects.get(pk=citizen.identity.pk).ial == "high"


def test_an_operator_sees_only_their_own_visits(staff, desk):
    citizen = make_person("nina-n")
    visit_url = start_visit(desk, citizen.identity.person.cpr)
    other = desk_login(staff.second)
    assert other.get(visit_url).status_code == 404
    assert other.post(visit_url + "document/", DOCUMENT).status_code == 404
    assert not Visit.objects.get().identified


def test_the_desk_says_the_level_of_the_login(staff):
    high = desk_login(staff.operator, acr="high")
    assert "logged in at level High" in high.get("/desk/").content.decode()
