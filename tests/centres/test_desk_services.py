"""The desk's services: staff roles, looking a person up, the document checked, and dual control
(a second staff member approves the dangerous actions, never the one who asked)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from segl.audit.models import AuditEvent
from segl.authenticators.codes import device_verify_code
from segl.authenticators.models import Device
from segl.centres.approvals import APPROVAL_MINUTES, approval_decide, approval_request
from segl.centres.models import Approval
from segl.centres.staff import StaffRefused, roles_of, staff_grant, staff_revoke
from segl.centres.visits import person_lookup, visit_document, visit_start
from segl.core.errors import InvalidCode, Locked, WrongPassword
from segl.identities.models import Identity
from segl.identities.services import identity_verify_password, password_hash_new
from tests.conftest import PASSWORD, make_person
from tests.staff import CENTRE, OTHER

NEW_PASSWORD = "a brand new desk passphrase"


def identified_visit(staff, person, now, *, operator=None):
    operator = operator or staff.operator
    visit = visit_start(person=person, operator=operator, centre=CENTRE, now=now)
    return visit_document(
        visit=visit,
        kind="passport",
        number="207112233",
        country="DNK",
        expiry=date(2030, 1, 1),
        now=now,
    )


def events(action):
    return list(AuditEvent.objects.filter(action=action).order_by("id"))


def test_roles_are_granted_per_centre_and_audited(staff, clock):
    assert roles_of(staff.supervisor) == {CENTRE: frozenset({"operator", "supervisor"})}
    with pytest.raises(StaffRefused, match="already_granted"):
        staff_grant(identity=staff.operator, centre=CENTRE, role="operator", now=clock(), actor="x")
    with pytest.raises(StaffRefused, match="unknown_centre"):
        staff_grant(
            identity=staff.operator, centre="atlantis", role="operator", now=clock(), actor="x"
        )
    assert staff_revoke(
        identity=staff.operator, centre=CENTRE, role="operator", now=clock(), actor="sune"
    )
    assert roles_of(staff.operator) == {}
    last = events("staff.revoke")[-1]
    assert (last.actor, last.subject, last.data) == (
        "sune",
        "ole-operator",
        {"centre": CENTRE, "role": "operator"},
    )


def test_a_lookup_is_audited_found_or_not(staff, newcomer, clock):
    assert (
        person_lookup(cpr="040385-1234", operator=staff.operator, centre=CENTRE, now=clock())
        == newcomer
    )
    with pytest.raises(StaffRefused, match="person_not_found"):
        person_lookup(cpr="0101901234", operator=staff.operator, centre=CENTRE, now=clock())
    with pytest.raises(StaffRefused, match="cpr_invalid"):
        person_lookup(cpr="3213901234", operator=staff.operator, centre=CENTRE, now=clock())
    found, missing = events("desk.lookup")
    assert (found.actor, found.outcome, found.subject) == ("ole-operator", "ok", "040385-****")
    assert found.data == {"centre": CENTRE}
    assert missing.outcome == "not_found"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"expiry": date(2020, 1, 1)}, "document_expired"),
        ({"country": "XXX"}, "document_country"),
        ({"number": "12"}, "document_number"),
        ({"kind": "library_card"}, "document_kind"),
    ],
)
def test_a_document_that_does_not_do_is_refused(staff, newcomer, clock, fields, reason):
    visit = visit_start(person=newcomer, operator=staff.operator, centre=CENTRE, now=clock())
    good = {"kind": "passport", "number": "207112233", "country": "DNK", "expiry": date(2030, 1, 1)}
    with pytest.raises(StaffRefused, match=reason):
        visit_document(visit=visit, now=clock(), **{**good, **fields})
    visit.refresh_from_db()
    assert not visit.identified


def test_the_document_checked_in_person_raises_the_identity_to_high(staff, clock):
    citizen = make_person("lone-lav", ial="substantial")
    identified_visit(staff, citizen.identity.person, clock())
    citizen.identity.refresh_from_db()
    assert citizen.identity.ial == "high"
    event = events("desk.document")[-1]
    assert event.actor == "ole-operator"
    assert event.data["document"] == "passport DNK 207112233"
    assert event.data["centre"] == CENTRE and event.data["ial_raised"] is True


def test_creating_an_identity_waits_for_a_second_operator(staff, newcomer, clock):
    visit = identified_visit(staff, newcomer, clock())
    approval = approval_request(
        visit=visit,
        action="create_identity",
        operator=staff.operator,
        now=clock(),
        details={"user_id": "dorte-n"},
        password_hash=password_hash_new(PASSWORD, user_id="dorte-n"),
    )
    assert not Identity.objects.filter(person=newcomer).exists()
    with pytest.raises(StaffRefused, match="same_person"):
        approval_decide(
            approval_id=approval.pk,
            approver=staff.operator,
            centre=CENTRE,
            approve=True,
            now=clock(),
        )
    assert not Identity.objects.filter(person=newcomer).exists()
    approval_decide(
        approval_id=approval.pk, approver=staff.second, centre=CENTRE, approve=True, now=clock()
    )
    identity = Identity.objects.get(person=newcomer)
    assert (identity.user_id, identity.ial) == ("dorte-n", "high")
    identity_verify_password(identity_id=identity.pk, password=PASSWORD, now=clock())
    approval.refresh_from_db()
    assert (approval.status, approval.decided_by, approval.password_hash) == (
        "done",
        staff.second,
        "",
    )
    refused, done = events("desk.approval")
    assert (refused.actor, refused.outcome) == ("ole-operator", "same_person")
    assert (done.actor, done.outcome, done.data["asked_by"]) == (
        "sara-second",
        "ok",
        "ole-operator",
    )
    assert done.data["document"] == "passport DNK 207112233"
    created = events("identity.create")[-1]
    assert created.actor == "ole-operator+sara-second"


def test_a_password_reset_is_done_only_when_approved(staff, clock):
    citizen = make_person("rasmus-r")
    epoch = citizen.identity.session_epoch
    visit = identified_visit(staff, citizen.identity.person, clock())
    ask = {
        "visit": visit,
        "action": "reset_password",
        "operator": staff.operator,
        "password_hash": password_hash_new(NEW_PASSWORD, user_id="rasmus-r"),
    }
    refused = approval_request(now=clock(), **ask)
    approval_decide(
        approval_id=refused.pk, approver=staff.second, centre=CENTRE, approve=False, now=clock()
    )
    identity_verify_password(identity_id=citizen.identity.pk, password=PASSWORD, now=clock())
    approved = approval_request(now=clock(), **ask)
    approval_decide(
        approval_id=approved.pk, approver=staff.supervisor, centre=CENTRE, approve=True, now=clock()
    )
    identity_verify_password(identity_id=citizen.identity.pk, password=NEW_PASSWORD, now=clock())
    with pytest.raises(WrongPassword):
        identity_verify_password(identity_id=citizen.identity.pk, password=PASSWORD, now=clock())
    citizen.identity.refresh_from_db()
    assert citizen.identity.session_epoch == epoch + 1  # every login the citizen had has ended


@pytest.mark.parametrize("who", ["elsewhere", "packer"])
def test_only_desk_staff_of_the_centre_may_approve(staff, clock, who):
    citizen = make_person("rita-r")
    visit = identified_visit(staff, citizen.identity.person, clock())
    approval = approval_request(
        visit=visit, action="lift_lock", operator=staff.operator, now=clock()
    )
    centre = OTHER if who == "elsewhere" else CENTRE
    with pytest.raises(StaffRefused, match="not_found" if who == "elsewhere" else "not_staff"):
        approval_decide(
            approval_id=approval.pk,
            approver=getattr(staff, who),
            centre=centre,
            approve=True,
            now=clock(),
        )
    approval.refresh_from_db()
    assert approval.status == "pending"


def test_an_approval_is_used_once_and_expires(staff, clock):
    citizen = make_person("rene-r")
    visit = identified_visit(staff, citizen.identity.person, clock())
    once = approval_request(visit=visit, action="lift_lock", operator=staff.operator, now=clock())
    approval_decide(
        approval_id=once.pk, approver=staff.second, centre=CENTRE, approve=True, now=clock()
    )
    with pytest.raises(StaffRefused, match="not_pending"):
        approval_decide(
            approval_id=once.pk, approver=staff.supervisor, centre=CENTRE, approve=True, now=clock()
        )
    late = approval_request(visit=visit, action="lift_lock", operator=staff.operator, now=clock())
    clock.advance(timedelta(minutes=APPROVAL_MINUTES, seconds=1))
    with pytest.raises(StaffRefused, match="expired"):
        approval_decide(
            approval_id=late.pk, approver=staff.second, centre=CENTRE, approve=True, now=clock()
        )


def test_lifting_a_lock_lets_the_password_and_the_device_work_again(staff, clock):
    citizen = make_person("lis-l")
    for _ in range(5):
        with pytest.raises((WrongPassword, Locked)):
            identity_verify_password(
                identity_id=citizen.identity.pk, password="wrong one", now=clock()
            )
    with pytest.raises(Locked):
        identity_verify_password(identity_id=citizen.identity.pk, password=PASSWORD, now=clock())
    visit = identified_visit(staff, citizen.identity.person, clock())
    approval = approval_request(
        visit=visit, action="lift_lock", operator=staff.operator, now=clock()
    )
    device = Device.objects.get(serial=citizen.token.serial)
    for wrong in citizen.token.wrong_codes(3, clock()):
        with pytest.raises((InvalidCode, Locked)):
            device_verify_code(device_id=device.pk, code=wrong, now=clock())
    with pytest.raises(Locked):
        device_verify_code(device_id=device.pk, code=citizen.token.code(clock()), now=clock())
    approval_decide(
        approval_id=approval.pk, approver=staff.second, centre=CENTRE, approve=True, now=clock()
    )
    identity_verify_password(identity_id=citizen.identity.pk, password=PASSWORD, now=clock())
    device_verify_code(device_id=device.pk, code=citizen.token.code(clock()), now=clock())


def test_nothing_is_asked_before_the_document_is_checked(staff, newcomer, clock):
    visit = visit_start(person=newcomer, operator=staff.operator, centre=CENTRE, now=clock())
    with pytest.raises(StaffRefused, match="document_first"):
        approval_request(
            visit=visit, action="create_identity", operator=staff.operator, now=clock()
        )
    with pytest.raises(StaffRefused, match="not_your_visit"):
        approval_request(visit=visit, action="create_identity", operator=staff.second, now=clock())
    assert not Approval.objects.exists()


def test_an_approved_action_that_cannot_be_done_fails_and_changes_nothing(staff, newcomer, clock):
    make_person("taken-id")
    visit = identified_visit(staff, newcomer, clock())
    approval = approval_request(
        visit=visit,
        action="create_identity",
        operator=staff.operator,
        now=clock(),
        details={"user_id": "taken-id"},
    )
    approval_decide(
        approval_id=approval.pk, approver=staff.second, centre=CENTRE, approve=True, now=clock()
    )
    approval.refresh_from_db()
    assert (approval.status, approval.outcome) == ("failed", "failed:user_id_taken")
    assert not Identity.objects.filter(person=newcomer).exists()


def test_revoking_everything_ends_every_authenticator_and_the_password(staff, clock):
    citizen = make_person("viggo-v", kinds=("code_display", "audio_code_reader"))
    visit = identified_visit(staff, citizen.identity.person, clock())
    approval = approval_request(
        visit=visit, action="revoke_all", operator=staff.operator, now=clock()
    )
    approval_decide(
        approval_id=approval.pk, approver=staff.second, centre=CENTRE, approve=True, now=clock()
    )
    statuses = set(citizen.identity.authenticators.values_list("status", flat=True))
    assert statuses == {"retired"}
    with pytest.raises(WrongPassword):
        identity_verify_password(identity_id=citizen.identity.pk, password=PASSWORD, now=clock())


def test_segl_staff_grants_lists_and_revokes(db, capsys):
    from segl.cli import main

    make_person("first-super")
    assert main(["staff", "grant", "first-super", "--centre", CENTRE, "--role", "supervisor"]) == 0
    assert (
        main(["staff", "grant", "first-super", "--centre", "atlantis", "--role", "operator"]) != 0
    )
    assert main(["staff", "list", "--centre", CENTRE, "--json"]) == 0
    listed = capsys.readouterr().out
    assert '"role": "supervisor"' in listed and "first-super" in listed
    assert main(["staff", "revoke", "first-super", "--centre", CENTRE, "--role", "supervisor"]) == 0
    assert events("staff.grant")[-1].actor == "cli"
    assert roles_of(Identity.objects.get(user_id="first-super")) == {}


def test_staff_are_served_and_approved_for_by_a_colleague(staff, clock):
    colleague = staff.second.person
    with pytest.raises(StaffRefused, match="own_case"):
        visit_start(
            person=staff.operator.person, operator=staff.operator, centre=CENTRE, now=clock()
        )
    visit = identified_visit(staff, colleague, clock())
    approval = approval_request(
        visit=visit, action="lift_lock", operator=staff.operator, now=clock()
    )
    with pytest.raises(StaffRefused, match="own_case"):
        approval_decide(
            approval_id=approval.pk, approver=staff.second, centre=CENTRE, approve=True, now=clock()
        )
    approval.refresh_from_db()
    assert approval.status == "pending"


def test_no_approval_after_the_visit_ended_or_the_asker_lost_their_role(staff, clock):
    from segl.centres.visits import visit_end

    citizen = make_person("erik-e")
    visit = identified_visit(staff, citizen.identity.person, clock())
    lost_role = approval_request(
        visit=visit, action="lift_lock", operator=staff.operator, now=clock()
    )
    staff_revoke(identity=staff.operator, centre=CENTRE, role="operator", now=clock(), actor="sune")
    with pytest.raises(StaffRefused, match="not_staff"):
        approval_decide(
            approval_id=lost_role.pk,
            approver=staff.second,
            centre=CENTRE,
            approve=True,
            now=clock(),
        )
    staff_grant(identity=staff.operator, centre=CENTRE, role="operator", now=clock(), actor="sune")
    ended = approval_request(visit=visit, action="lift_lock", operator=staff.operator, now=clock())
    visit_end(visit=visit, now=clock())
    with pytest.raises(StaffRefused, match="visit_ended"):
        approval_decide(
            approval_id=ended.pk, approver=staff.second, centre=CENTRE, approve=True, now=clock()
        )


def test_a_recorded_document_is_not_rewritten(staff, newcomer, clock):
    visit = identified_visit(staff, newcomer, clock())
    with pytest.raises(StaffRefused, match="already_identified"):
        visit_document(
            visit=visit,
            kind="passport",
            number="ZZ9999999",
            country="DNK",
            expiry=date(2030, 1, 1),
            now=clock(),
        )
    visit.refresh_from_db()
    assert visit.document_number == "207112233"


@pytest.mark.parametrize("raw", ["abc", "1" * 40, "٣", "", None, "999999"])
def test_reinstating_names_a_suspended_authenticator_of_the_person(staff, clock, raw):
    citizen = make_person("rolf-r")
    visit = identified_visit(staff, citizen.identity.person, clock())
    with pytest.raises(StaffRefused, match="not_suspended"):
        approval_request(
            visit=visit,
            action="reinstate",
            operator=staff.operator,
            now=clock(),
            details={"authenticator": raw},
        )
    active = citizen.identity.authenticators.get()
    with pytest.raises(StaffRefused, match="not_suspended"):
        approval_request(
            visit=visit,
            action="reinstate",
            operator=staff.operator,
            now=clock(),
            details={"authenticator": active.pk},
        )
    assert not Approval.objects.exists()
