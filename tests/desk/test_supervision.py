"""The supervisor's pages: the centre's log (filtered, CSV) and its staff; the stock page."""

from __future__ import annotations

import csv
import io

from segl.centres.models import StaffRole
from segl.centres.stock import stock_at
from segl.centres.visits import desk_audit
from tests.conftest import make_device, make_person
from tests.desk.conftest import desk_login
from tests.staff import CENTRE, OTHER


def test_the_log_shows_this_centres_events_filtered_and_as_csv(staff, clock):
    desk_audit(
        "lookup", operator=staff.operator, centre=CENTRE, subject="=HYPERLINK(1)", now=clock()
    )
    desk_audit("lookup", operator=staff.elsewhere, centre=OTHER, subject="aarhus-only", now=clock())
    desk_audit("visit", operator=staff.second, centre=CENTRE, subject="second-one", now=clock())
    supervisor = desk_login(staff.supervisor)
    page = supervisor.get("/desk/log/").content.decode()
    assert "ole-operator" in page and "sara-second" in page and "aarhus-only" not in page
    filtered = supervisor.get("/desk/log/?actor=sara").content.decode()
    assert "sara-second" in filtered and "ole-operator" not in filtered
    exported = supervisor.get("/desk/log/?action=desk.lookup&format=csv")
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0] == ["at", "action", "outcome", "actor", "subject", "document", "details"]
    assert [r[3] for r in rows[1:]] == ["ole-operator"]
    assert rows[1][4] == "'=HYPERLINK(1)"  # never a formula in a spreadsheet
    assert desk_login(staff.operator).get("/desk/log/").status_code == 403


def test_a_supervisor_grants_and_takes_away_roles_at_their_centre(staff):
    newcomer = make_person("new-colleague").identity
    supervisor = desk_login(staff.supervisor)
    granted = supervisor.post("/desk/staff/", {"user_id": "new-colleague", "role": "operator"})
    assert granted.status_code == 302
    assert StaffRole.objects.filter(identity=newcomer, centre=CENTRE, role="operator").exists()
    unknown = supervisor.post("/desk/staff/", {"user_id": "nobody-here", "role": "operator"})
    assert unknown.status_code == 400 and b"No one has that user ID" in unknown.content
    own = supervisor.post(
        "/desk/staff/", {"action": "revoke", "user_id": "sune-super", "role": "supervisor"}
    )
    assert (
        own.status_code == 400 and staff.supervisor.staff_roles.filter(role="supervisor").exists()
    )
    supervisor.post(
        "/desk/staff/", {"action": "revoke", "user_id": "new-colleague", "role": "operator"}
    )
    assert not StaffRole.objects.filter(identity=newcomer).exists()


def test_the_stock_is_delivered_by_fulfilment_and_counted_by_anyone_there(staff):
    make_device("code_display")
    make_device("code_display")
    operator, packer = desk_login(staff.operator), desk_login(staff.packer)
    refused = operator.post(
        "/desk/stock/", {"action": "deliver", "kind": "code_display", "count": "1"}
    )
    assert refused.status_code == 400
    assert (
        packer.post(
            "/desk/stock/", {"action": "deliver", "kind": "code_display", "count": "2"}
        ).status_code
        == 302
    )
    assert [line.count for line in stock_at(CENTRE) if line.kind == "code_display"] == [2]
    too_many = packer.post(
        "/desk/stock/", {"action": "deliver", "kind": "code_display", "count": "1"}
    )
    assert too_many.status_code == 400 and b"fewer devices of that kind" in too_many.content
    counted = operator.post(
        "/desk/stock/", {"action": "count", "kind": "code_display", "count": "1"}, follow=True
    )
    assert b"The count differs by -1" in counted.content
    assert (
        operator.post(
            "/desk/stock/", {"action": "count", "kind": "code_display", "count": "x"}
        ).status_code
        == 400
    )
