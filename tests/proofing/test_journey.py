"""The proofing journey through the app's API (the Python emulator, as the app calls it): a
person with a CPR number proofs with a passport or ID card, gets a segl at High and activates
it; every rule (order of steps, expiry, limits, binding to the person, review) refuses what it
must."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from segl.app.emulator import AppError
from segl.emulators import faces
from segl.emulators.passport import DEFECTS
from tests.app.conftest import PIN, temporary_pin

from .conftest import citizen


def refused(call, *args, **kwargs) -> str:
    with pytest.raises(AppError) as error:
        call(*args, **kwargs)
    return error.value.reason


@pytest.mark.parametrize("kind", ["passport", "id_card"])
def test_a_person_without_segl_proofs_and_activates_the_app_on_this_phone(factory, journey, kind):
    from segl.identities.models import Identity
    from segl.proofing.models import Proofing, ProofingRecord

    who = citizen(factory, kind)
    assert journey.prove(who.document, cpr=who.cpr)["decision"] == "match"
    assert journey.state()["state"] == "verified"
    made = journey.choose_user_id("dorte-hansen")
    assert made == {"user_id": "dorte-hansen", "level": "high"}
    activation = journey.activate_here()
    app = journey.app
    app.finish_activation(
        activation, user_id="dorte-hansen", temporary_pin=temporary_pin(who.person.phone), pin=PIN
    )
    assert app.me("dorte-hansen")["user_id"] == "dorte-hansen"
    identity = Identity.objects.get(user_id="dorte-hansen")
    assert identity.ial == "high" and identity.person == who.person
    record = ProofingRecord.objects.get(identity=identity)
    assert record.document_type == kind and record.issuing_country == "DK"
    assert record.clone_check == (
        "chip_authentication" if kind == "id_card" else "active_authentication"
    )
    assert record.face_decision == "match" and record.face_decided_by[0]["by"] == "demo"
    # Nothing personal is kept in the proofing once decided: no picture, code or key.
    proofing = Proofing.objects.get(identity=identity)
    assert (proofing.portrait, proofing.capture, proofing.printed_mrz, proofing.chip_keys) == (
        "",
        "",
        "",
        {},
    )


@pytest.mark.parametrize("defect", DEFECTS)
def test_every_broken_document_ends_the_proofing_with_its_reason(factory, journey, defect):
    who = citizen(factory, "id_card", defect=defect)
    journey.start()
    journey.accept_terms()
    if defect in ("expired", "mrz_mismatch"):  # the printed code already tells
        reason = refused(journey.scan_document, who.document, cpr=who.cpr)
        expected = "not_registered" if defect == "mrz_mismatch" else DEFECTS[defect]
        assert reason == expected
        return
    journey.scan_document(who.document, cpr=who.cpr)
    if defect == "cloned":
        assert refused(journey.read_chip, who.document) == "chip_not_genuine"
    else:
        assert refused(journey.read_chip, who.document) == DEFECTS[defect]
    assert journey.state()["state"] == "refused"
    assert journey.state()["refusal"] == DEFECTS[defect]


def test_a_chip_that_is_not_the_printed_document_is_refused(factory, journey):
    """The printed page of one registered document, the chip of another: mrz_mismatch."""
    who = citizen(factory)
    other = citizen(factory)
    journey.start()
    journey.accept_terms()
    journey.scan_document(who.document, cpr=who.cpr)
    assert refused(journey.read_chip, other.document) == "mrz_mismatch"


def test_the_document_must_be_the_persons(factory, journey):
    who, stranger = citizen(factory), citizen(factory)
    journey.start()
    journey.accept_terms()
    assert refused(journey.scan_document, stranger.document, cpr=who.cpr) == "not_registered"


def test_a_cpr_number_no_one_has_is_refused_as_not_registered(factory, journey):
    who = citizen(factory)
    journey.start()
    journey.accept_terms()
    assert refused(journey.scan_document, who.document, cpr="0101011234") == "not_registered"


def test_a_mistyped_code_is_told_and_can_be_typed_again(factory, journey):
    who = citizen(factory)
    journey.start()
    journey.accept_terms()
    lines = who.document.printed_mrz.splitlines()
    wrong = lines[1][:9] + str((int(lines[1][9]) + 1) % 10) + lines[1][10:]
    assert (
        refused(journey.scan_document, who.document, cpr=who.cpr, typed=f"{lines[0]}\n{wrong}")
        == "check_document_number"
    )
    journey.scan_document(who.document, cpr=who.cpr)  # the proofing goes on


def test_steps_go_in_order(factory, journey):
    who = citizen(factory)
    journey.start()
    assert refused(journey.scan_document, who.document, cpr=who.cpr) == "terms"
    journey.accept_terms()
    assert refused(journey.read_chip, who.document) == "proofing_state"
    assert refused(journey.scan_face, who.document) == "proofing_state"
    assert refused(journey.choose_user_id, "too-early") == "proofing_state"


def test_a_proofing_expires_after_15_minutes(factory, journey, clock):
    who = citizen(factory)
    journey.start()
    journey.accept_terms()
    clock.advance(timedelta(minutes=15))
    assert refused(journey.scan_document, who.document, cpr=who.cpr) == "proofing_expired"


def test_an_unknown_secret_is_refused(journey):
    journey.secret = "not-a-proofing"
    assert refused(journey.accept_terms) == "proofing_unknown"


def test_the_chips_answer_counts_once_and_only_for_its_own_challenge(factory, journey):
    """A recorded answer to an earlier challenge is refused: the chip must answer this one."""
    from segl.emulators.chip import EmulatedChip

    who = citizen(factory, "passport")
    journey.start()
    journey.accept_terms()
    journey.scan_document(who.document, cpr=who.cpr)
    groups = {str(n): base64.b64encode(g).decode() for n, g in who.document.groups.items()}
    asked = journey.call(
        "POST", "chip", {"groups": groups, "sod": base64.b64encode(who.document.sod).decode()}
    )
    old = EmulatedChip(who.document).active_authenticate(b"\x00" * 8)
    assert (
        refused(
            journey.call, "POST", "chip/answer", {"aa_signature": base64.b64encode(old).decode()}
        )
        == "chip_not_genuine"
    )
    assert asked["check"] == "active_authentication"


def test_three_refusals_a_day_block_the_document_and_the_cpr_number(factory, journey, clock):
    from segl.emulators.proofing import ProofingEmulator

    who = citizen(factory, "id_card", defect="bad_signature")
    for _ in range(3):
        journey.start()
        journey.accept_terms()
        journey.scan_document(who.document, cpr=who.cpr)
        assert refused(journey.read_chip, who.document) == "signature_invalid"
    fresh = ProofingEmulator(journey.app)
    fresh.start()
    fresh.accept_terms()
    assert refused(fresh.scan_document, who.document, cpr=who.cpr) == "too_many_attempts"
    clock.advance(timedelta(days=1, minutes=1))
    fresh.start()
    fresh.accept_terms()
    fresh.scan_document(who.document, cpr=who.cpr)


def test_the_limit_counts_per_cpr_number_too(factory, journey):
    """Another document of the same person is blocked once the CPR number has 3 refusals."""

    from segl.emulators.passport import Holder, make_document

    who = citizen(factory, "id_card", defect="cloned")
    for _ in range(3):
        journey.start()
        journey.accept_terms()
        journey.scan_document(who.document, cpr=who.cpr)
        refused(journey.read_chip, who.document)
    first = who.document
    holder = Holder("Holder", "Test", who.person.birth_date, "F", "P77777777", first_issued(first))
    other = make_document(factory[0], holder, now=now())
    who.person.passport_numbers.append("P77777777")
    who.person.save()
    journey.start()
    journey.accept_terms()
    assert refused(journey.scan_document, other, cpr=who.cpr) == "too_many_attempts"


def first_issued(document):
    from segl.core.documents import expiry_date
    from segl.core.mrz import parse

    expires = expiry_date(parse(document.printed_mrz))
    return expires.replace(year=expires.year - 10) + timedelta(days=1)


def now():
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_a_foreign_document_is_refused_with_the_way_forward(factory, journey):
    from dataclasses import replace

    from segl.core.mrz import parse, write

    who = citizen(factory)
    foreign = replace(parse(who.document.printed_mrz), issuing_state="SWE", nationality="SWE")
    journey.start()
    journey.accept_terms()
    assert (
        refused(journey.scan_document, who.document, cpr=who.cpr, typed=write(foreign))
        == "foreign_document"
    )


def test_a_face_that_does_not_match_goes_to_review_and_two_reviewers_confirm_it(
    factory, journey, clock
):
    from segl.notify.models import OutboxMessage
    from segl.proofing.models import Proofing
    from segl.proofing.review import review_decide, review_pictures, reviews_waiting
    from segl.proofing.services import ProofingRefused

    who = citizen(factory)
    assert journey.prove(who.document, cpr=who.cpr, same_person=False)["decision"] == "review"
    (waiting,) = reviews_waiting()
    capture, portrait = review_pictures(proofing_id=waiting.id, reviewer="rita", now=clock())
    assert portrait == faces.portrait(who.document.face_seed) and capture.startswith(b"\xff\xd8")
    assert (
        review_decide(proofing_id=waiting.id, reviewer="rita", same_person=True, now=clock())
        == "second_reviewer"
    )
    with pytest.raises(ProofingRefused):  # the same reviewer, written another way
        review_decide(proofing_id=waiting.id, reviewer=" RITA", same_person=True, now=clock())
    with pytest.raises(ProofingRefused) as unseen:  # a reviewer decides only what they saw
        review_decide(proofing_id=waiting.id, reviewer="sven", same_person=True, now=clock())
    assert unseen.value.reason == "reviewer_not_viewed"
    assert journey.state()["state"] == "review"
    review_pictures(proofing_id=waiting.id, reviewer="sven", now=clock())
    assert (
        review_decide(proofing_id=waiting.id, reviewer="sven", same_person=True, now=clock())
        == "confirmed"
    )
    assert OutboxMessage.objects.filter(to=who.person.phone, purpose="proofing_confirmed").exists()
    proofing = Proofing.objects.get(pk=waiting.id)
    assert proofing.capture == proofing.portrait == ""
    assert [d["by"] for d in proofing.face_decided_by] == ["rita", "sven"]
    clock.advance(timedelta(hours=20))  # the citizen comes back within the day
    assert journey.choose_user_id("reviewed-1")["level"] == "high"


def test_a_reviewer_who_says_not_the_same_person_refuses_and_the_citizen_is_told(
    factory, journey, clock
):
    from segl.notify.models import OutboxMessage
    from segl.proofing.review import review_decide, review_pictures, reviews_waiting

    who = citizen(factory)
    journey.prove(who.document, cpr=who.cpr, same_person=False)
    (waiting,) = reviews_waiting()
    review_pictures(proofing_id=waiting.id, reviewer="rita", now=clock())
    assert (
        review_decide(proofing_id=waiting.id, reviewer="rita", same_person=False, now=clock())
        == "refused"
    )
    assert journey.state()["refusal"] == "face_no_match"
    assert OutboxMessage.objects.filter(to=who.person.phone, purpose="proofing_refused").exists()
    assert reviews_waiting() == []


def test_a_user_id_must_not_be_a_cpr_number(factory, journey):
    who = citizen(factory)
    journey.prove(who.document, cpr=who.cpr)
    assert refused(journey.choose_user_id, who.cpr) == "user_id_cpr"
    assert journey.choose_user_id("my-own-id")["user_id"] == "my-own-id"


def test_someone_with_segl_keeps_it_or_starts_again(factory, journey):
    from segl.authenticators.models import Authenticator
    from segl.identities.models import Identity
    from segl.notify.models import OutboxMessage
    from tests.conftest import make_device

    who = citizen(factory, with_segl=True)
    identity = Identity.objects.get(person=who.person)
    token = make_device()
    from datetime import UTC, datetime

    from segl.authenticators.services import device_activate

    device_activate(
        identity=identity,
        serial=token.serial,
        code=token.code(datetime.now(UTC)),
        now=datetime.now(UTC),
    )
    journey.prove(who.document, cpr=who.cpr)
    assert journey.state()["has_segl"] is True
    assert journey.choose_user_id("ignored", restart=True)["user_id"] == identity.user_id
    assert not Authenticator.objects.filter(
        identity=identity, status=Authenticator.Status.ACTIVE
    ).exists()
    sent = OutboxMessage.objects.filter(purpose="proofing_restarted")
    assert {m.to for m in sent} == {who.person.phone, who.person.email}


def test_another_phone_gets_the_app_with_the_proximity_check(factory, journey):
    from tests.app.conftest import emulator as new_emulator

    who = citizen(factory, "id_card")
    journey.prove(who.document, cpr=who.cpr)
    journey.choose_user_id("two-phones")
    offer = journey.offer_other_phone()
    assert offer["qr_svg"].startswith("<svg")
    tablet = new_emulator()
    code = tablet.scan_copy(offer["qr"])
    assert (
        refused(
            journey.confirm_other_phone, offer["copy"], "000000" if code != "000000" else "111111"
        )
        == "copy_code_wrong"
    )
    journey.confirm_other_phone(offer["copy"], code)
    activation = tablet.finish_copy("two-phones")
    tablet.finish_activation(
        activation, user_id="two-phones", temporary_pin=temporary_pin(who.person.phone), pin=PIN
    )
    assert tablet.me("two-phones")["user_id"] == "two-phones"


def test_yes_activate_a_code_display_from_stock(factory, journey):
    from datetime import UTC, datetime

    from tests.conftest import make_device

    who = citizen(factory)
    journey.prove(who.document, cpr=who.cpr)
    journey.choose_user_id("with-a-display")
    token = make_device()
    assert (
        refused(
            journey.activate_device,
            serial=token.serial,
            code="000000" if token.code(datetime.now(UTC)) != "000000" else "111111",
            password="a long and private passphrase",
        )
        == "code_invalid"
    )
    made = journey.activate_device(
        serial=token.serial,
        code=token.code(datetime.now(UTC)),
        password="a long and private passphrase",
    )
    assert made == {"kind": "code_display", "serial": token.serial}


def test_no_order_places_an_order_identified_by_the_proofing(factory, journey):
    from segl.orders.models import Order

    who = citizen(factory)
    journey.prove(who.document, cpr=who.cpr)
    journey.choose_user_id("orders-one")
    placed = journey.order_device(kind="code_display", delivery="post", key="form-1")
    again = journey.order_device(kind="code_display", delivery="post", key="form-1")
    assert placed == again
    order = Order.objects.get(reference=placed["reference"])
    assert order.identified_by == "proofing" and order.address == who.person.address


def test_step_5_needs_the_user_id_first(factory, journey):
    who = citizen(factory)
    journey.prove(who.document, cpr=who.cpr)
    assert refused(journey.activate_here) == "identity_missing"


def test_bad_input_gets_a_clear_refusal(journey):
    journey.start()
    journey.accept_terms()
    assert refused(journey.call, "POST", "document", {"cpr": 5, "mrz": "x"}) == "cpr_missing"
    assert (
        refused(journey.call, "POST", "document", {"cpr": "0101011234", "mrz": "P<UTO"}) == "shape"
    )
    assert refused(journey.call, "POST", "chip", {"groups": "x"}) == "groups_missing"
    assert refused(journey.call, "POST", "chip", {"groups": {"1": "!!"}}) == "groups_not_base64"
    assert refused(journey.call, "POST", "chip", {"groups": {"1": "AA=="}}) == "sod_missing"
    assert (
        refused(journey.call, "POST", "chip", {"groups": {"1": "AA=="}, "sod": "AA=="})
        == "proofing_state"
    )
    assert refused(journey.call, "POST", "face", {"capture": "AA=="}) == "proofing_state"


def test_without_a_trust_list_proofing_says_it_is_unavailable(factory, journey, config):
    who = citizen(factory)
    config(proofing_trust=None)
    journey.start()
    journey.accept_terms()
    journey.scan_document(who.document, cpr=who.cpr)
    assert refused(journey.read_chip, who.document) == "proofing_unavailable"
