"""The document's chip read at the desk: passive authentication against the trust list, and the
chip must be the document recorded, of the person at the desk."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from segl.audit.models import AuditEvent
from segl.centres.models import Visit
from tests.desk.conftest import desk_login
from tests.proofing.conftest import citizen


def reader_file(document) -> SimpleUploadedFile:
    data = {
        "printed_mrz": document.printed_mrz,
        "groups": {str(n): v for n, v in document.to_json()["groups"].items()},
        "sod": document.to_json()["sod"],
    }
    return SimpleUploadedFile("chip.json", json.dumps(data).encode(), "application/json")


def at_the_desk(staff, who, number=None):
    desk = desk_login(staff.operator)
    url = desk.post("/desk/visits/", {"cpr": who.cpr})["Location"]
    document = {
        "kind": "passport",
        "number": number or who.person.passport_numbers[0],
        "country": "DNK",
        "expiry": "2031-05-01",
    }
    assert desk.post(url + "document/", document).status_code == 302
    return desk, url


def test_a_genuine_chip_of_the_recorded_document_is_noted(factory, trusted, staff):
    who = citizen(factory)
    desk, url = at_the_desk(staff, who)
    response = desk.post(url + "chip/", {"chip": reader_file(who.document)})
    assert response.status_code == 302, response.content.decode()[-800:]
    assert Visit.objects.get().chip_checked_at is not None
    event = AuditEvent.objects.filter(action="desk.chip").get()
    assert (event.outcome, event.data["signed_in"]) == ("ok", "DK")


def test_a_changed_chip_is_refused_and_audited(factory, trusted, staff):
    who = citizen(factory, defect="changed_dg1")
    desk, url = at_the_desk(staff, who)
    response = desk.post(url + "chip/", {"chip": reader_file(who.document)})
    assert (
        response.status_code == 400 and b"does not prove the document genuine" in response.content
    )
    assert Visit.objects.get().chip_checked_at is None
    assert AuditEvent.objects.filter(action="desk.chip").get().outcome != "ok"


def test_the_chip_of_another_document_is_refused(factory, trusted, staff):
    who = citizen(factory)
    desk, url = at_the_desk(staff, who, number="X12345678")
    response = desk.post(url + "chip/", {"chip": reader_file(who.document)})
    assert (
        response.status_code == 400
        and b"another document than the one recorded" in response.content
    )
    assert Visit.objects.get().chip_checked_at is None


def test_a_file_that_is_no_reader_output_is_refused(factory, trusted, staff):
    who = citizen(factory)
    desk, url = at_the_desk(staff, who)
    for content in (b"{not json", b"[" * 200_000, b"[]", b'{"groups": 1}'):
        junk = SimpleUploadedFile("chip.json", content, "application/json")
        response = desk.post(url + "chip/", {"chip": junk})
        assert response.status_code == 400 and b"could not be read" in response.content
    assert Visit.objects.get().chip_checked_at is None
