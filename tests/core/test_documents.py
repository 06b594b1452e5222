"""Passive authentication, clone detection and the document check, on documents from the
passport factory: every broken document is refused for its own reason, and any single changed
byte of DG1, DG2 or EF.SOD is refused."""

from __future__ import annotations

import dataclasses
import hashlib
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from segl.core.assurance import Level
from segl.core.chip_auth import ca_keys, point, verify_active_authentication
from segl.core.documents import birth_date, check_chip, check_clone, proofing_level
from segl.core.errors import DocumentRefused
from segl.core.lds import dg2_face, dg14_security, dg15_key
from segl.core.mrz import parse, write
from segl.core.secure_messaging import read_command
from segl.core.sod import passive_authentication
from segl.core.trust import TrustList
from segl.emulators import faces
from segl.emulators.chip import DocumentFile, EmulatedChip
from segl.emulators.issuer import Issuer, Signer, make_master_list
from segl.emulators.passport import DEFECTS, Holder, make_document
from segl.emulators.passport import sod as make_sod

NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def issuer(tmp_path_factory) -> tuple[Issuer, Path]:
    out = tmp_path_factory.mktemp("documents")
    return Issuer.open(out, NOW), out


@pytest.fixture(scope="module")
def trust(issuer) -> TrustList:
    _, out = issuer
    return TrustList.from_files((p.name, p.read_bytes()) for p in sorted((out / "trust").iterdir()))


def holder(kind: str = "passport", **changes) -> Holder:
    base = Holder(
        "Hansen", "Dorte Marie", date(1985, 3, 4), "F", "207112233", date(2022, 5, 1), kind=kind
    )
    return dataclasses.replace(base, **changes)


@pytest.fixture(scope="module", params=["passport", "id_card"])
def document(request, issuer) -> DocumentFile:
    return make_document(issuer[0], holder(request.param), now=NOW)


def command(ephemeral, document: DocumentFile) -> bytes:
    """segl's protected command for the chip, under the keys agreed with DG14's key."""
    return read_command(ca_keys(ephemeral, dg14_security(document.groups[14]).ca_key))


def read(document: DocumentFile, trust: TrustList, *, at: datetime = NOW):
    """What proofing does with a document: check the chip, then answer its clone check."""
    checked = check_chip(parse(document.printed_mrz), document.groups, document.sod, trust, at=at)
    chip, challenge = EmulatedChip(document), os.urandom(8)
    ephemeral = (
        ec.generate_private_key(ec.SECP256R1())
        if checked.offered == "chip_authentication"
        else None
    )
    clone = check_clone(
        document.groups,
        challenge=challenge,
        ephemeral=ephemeral,
        aa_signature=(
            chip.active_authenticate(challenge)
            if checked.offered == "active_authentication"
            else None
        ),
        ca_response=chip.chip_authenticate(
            point(ephemeral.public_key()), command(ephemeral, document)
        )
        if ephemeral
        else None,
    )
    return checked, clone


def test_a_good_document_is_verified_and_proves_its_chip(document, trust):
    checked, clone = read(document, trust)
    assert checked.mrz == parse(document.printed_mrz)
    assert checked.passive.country == "DK"
    assert clone == (
        "chip_authentication" if document.kind == "id_card" else "active_authentication"
    )
    assert proofing_level(clone, face_matched=True, live=True) is Level.HIGH
    assert proofing_level(clone, face_matched=True, live=False) is Level.SUBSTANTIAL
    assert dg2_face(document.groups[2]) == faces.portrait(document.face_seed)


@pytest.mark.parametrize("kind", ["passport", "id_card"])
@pytest.mark.parametrize("defect", DEFECTS)
def test_every_broken_document_is_refused_for_its_own_reason(issuer, trust, kind, defect):
    document = make_document(issuer[0], holder(kind), now=NOW, defect=defect)
    with pytest.raises(DocumentRefused) as refused:
        read(document, trust)
    assert refused.value.reason == DEFECTS[defect]


def test_the_document_file_round_trips(document, tmp_path, trust):
    document.save(tmp_path / "doc.json")
    again = DocumentFile.load(tmp_path / "doc.json")
    assert again == document
    read(again, trust)


# --- any single changed byte -----------------------------------------------------------------


def _flip(data: bytes, index: int, mask: int) -> bytes:
    return data[:index] + bytes([data[index] ^ mask]) + data[index + 1 :]


@pytest.fixture(scope="module")
def id_card(issuer) -> DocumentFile:
    return make_document(issuer[0], holder("id_card"), now=NOW)


@pytest.mark.parametrize("group", [1, 2, 14])
def test_any_changed_byte_of_a_data_group_is_refused(id_card, trust, group):
    printed = parse(id_card.printed_mrz)
    data = id_card.groups[group]
    rng = os.urandom(len(data))
    for index in range(len(data)):
        # The lowest bit, the highest, all of them and one other: every byte of the MRZ's
        # group four ways; the face image's (some thousand bytes) two.
        masks = {0x01, 0x80, 0xFF, rng[index] or 0x42} if group == 1 else (0x01, 0x80)
        for mask in masks:
            groups = {**id_card.groups, group: _flip(data, index, mask)}
            with pytest.raises(DocumentRefused) as refused:
                check_chip(printed, groups, id_card.sod, trust, at=NOW)
            assert refused.value.reason == "chip_data_changed"


def test_any_changed_byte_of_the_sod_is_refused(id_card, trust):
    printed = parse(id_card.printed_mrz)
    rng = os.urandom(len(id_card.sod))
    for index in range(len(id_card.sod)):
        for mask in {0x01, 0x80, 0xFF, rng[index] or 0x42}:
            with pytest.raises(DocumentRefused):
                check_chip(printed, id_card.groups, _flip(id_card.sod, index, mask), trust, at=NOW)


# --- passive authentication's rules one by one ------------------------------------------------


def test_a_group_the_sod_does_not_hash_is_refused(id_card, trust):
    groups = {**id_card.groups, 3: b"\x63\x00"}
    with pytest.raises(DocumentRefused) as refused:
        passive_authentication(id_card.sod, groups, trust, issuing_state="DNK", at=NOW)
    assert refused.value.reason == "chip_data_changed"


def test_leaving_out_a_key_group_the_sod_hashes_is_refused(id_card, trust):
    """A reader that drops DG14 and DG15 would make a cloned chip look like one without keys."""
    groups = {n: g for n, g in id_card.groups.items() if n not in (14, 15)}
    with pytest.raises(DocumentRefused) as refused:
        check_chip(parse(id_card.printed_mrz), groups, id_card.sod, trust, at=NOW)
    assert refused.value.reason == "chip_data_malformed"


def test_an_issuing_state_other_than_the_cscas_country_is_refused(id_card, trust):
    with pytest.raises(DocumentRefused) as refused:
        passive_authentication(id_card.sod, id_card.groups, trust, issuing_state="SWE", at=NOW)
    assert refused.value.reason == "country_mismatch"


def _chain(csca_end: datetime, signer_end: datetime, signer_key=None):
    """A CSCA valid until ``csca_end`` and a document signer valid until ``signer_end``."""
    csca_key = ec.generate_private_key(ec.SECP256R1())
    signer_key = signer_key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "DK"),
            x509.NameAttribute(x509.NameOID.COMMON_NAME, "CSCA"),
        ]
    )
    start = NOW - timedelta(days=400)

    def cert(subject, key, end, ca):
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
            .sign(csca_key, hashes.SHA256())
        )

    csca = cert(name, csca_key, csca_end, True)
    signer = Signer(
        signer_key,
        cert(
            x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "DS")]),
            signer_key,
            signer_end,
            False,
        ),
    )
    return TrustList((csca,)), signer


def test_a_csca_out_of_validity_is_refused(id_card):
    trust, signer = _chain(NOW - timedelta(days=1), NOW + timedelta(days=3650))
    sod = make_sod(id_card.groups, signer, NOW - timedelta(days=10))
    with pytest.raises(DocumentRefused) as refused:
        passive_authentication(sod, id_card.groups, trust, issuing_state="DNK", at=NOW)
    assert refused.value.reason == "csca_expired"


def test_a_signer_that_signed_outside_its_validity_is_refused(id_card):
    trust, signer = _chain(NOW + timedelta(days=3650), NOW + timedelta(days=3000))
    with pytest.raises(DocumentRefused) as refused:
        sod = make_sod(id_card.groups, signer, NOW - timedelta(days=500))  # before its start
        passive_authentication(sod, id_card.groups, trust, issuing_state="DNK", at=NOW)
    assert refused.value.reason == "signer_expired"
    passive_authentication(
        make_sod(id_card.groups, signer, NOW), id_card.groups, trust, issuing_state="DNK", at=NOW
    )


@pytest.mark.parametrize("algorithm", ["rsassa_pss", "rsassa_pkcs1v15"])
def test_rsa_document_signers(id_card, algorithm):
    trust, signer = _chain(
        NOW + timedelta(days=3650),
        NOW + timedelta(days=3000),
        rsa.generate_private_key(65537, 2048),
    )
    sod = make_sod(id_card.groups, signer, NOW, algorithm=algorithm)
    assert (
        passive_authentication(sod, id_card.groups, trust, issuing_state="DNK", at=NOW).country
        == "DK"
    )
    with pytest.raises(DocumentRefused) as refused:
        passive_authentication(
            _flip(sod, len(sod) - 1, 1), id_card.groups, trust, issuing_state="DNK", at=NOW
        )
    assert refused.value.reason == "signature_invalid"


def test_an_empty_trust_list_trusts_nothing(id_card):
    with pytest.raises(DocumentRefused) as refused:
        passive_authentication(
            id_card.sod, id_card.groups, TrustList(()), issuing_state="DNK", at=NOW
        )
    assert refused.value.reason == "csca_untrusted"


def test_a_revocation_list_not_signed_by_a_trusted_csca_is_refused(issuer, trust):
    other = ec.generate_private_key(ec.SECP256R1())
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(trust.cscas[0].subject)
        .last_update(NOW)
        .next_update(NOW + timedelta(days=1))
        .sign(other, hashes.SHA256())
    )
    with pytest.raises(ValueError, match="not signed by a trusted CSCA"):
        TrustList(trust.cscas, (crl,))


def test_a_master_list_is_read_and_its_signature_checked(issuer, id_card):
    data = make_master_list(issuer[0], now=NOW)
    trust = TrustList.from_files([("dk.ml", data)])
    assert trust.is_demo
    read(id_card, trust)
    changed = data.replace(b"segl test CSCA", b"segl test CSCB", 1)
    with pytest.raises(ValueError, match=r"dk\.ml"):
        TrustList.from_files([("dk.ml", changed)])


def test_a_file_that_is_no_certificate_stops_the_trust_list(issuer):
    with pytest.raises(ValueError, match=r"notes\.txt"):
        TrustList.from_files([("notes.txt", b"not a certificate")])


# --- clone detection ---------------------------------------------------------------------------


def test_an_answer_to_another_challenge_is_refused(document, trust):
    """A recorded answer cannot be replayed: each proofing has its own challenge (Active
    Authentication) or its own ephemeral key (Chip Authentication)."""
    chip = EmulatedChip(document)
    if document.ca_key is None:
        old = chip.active_authenticate(os.urandom(8))
        answers = {"aa_signature": old, "ca_response": None, "ephemeral": None}
    else:
        earlier = ec.generate_private_key(ec.SECP256R1())
        recorded = chip.chip_authenticate(point(earlier.public_key()), command(earlier, document))
        answers = {
            "aa_signature": None,
            "ca_response": recorded,
            "ephemeral": ec.generate_private_key(ec.SECP256R1()),
        }
    with pytest.raises(DocumentRefused) as refused:
        check_clone(document.groups, challenge=os.urandom(8), **answers)
    assert refused.value.reason == "chip_not_genuine"


def test_secure_messaging_refuses_any_changed_byte_of_the_chips_answer(issuer):
    card = make_document(issuer[0], holder("id_card"), now=NOW)
    ephemeral = ec.generate_private_key(ec.SECP256R1())
    answer = EmulatedChip(card).chip_authenticate(
        point(ephemeral.public_key()), command(ephemeral, card)
    )
    check_clone(
        card.groups, challenge=b"", ephemeral=ephemeral, aa_signature=None, ca_response=answer
    )
    for index in range(len(answer)):
        with pytest.raises(DocumentRefused):
            check_clone(
                card.groups,
                challenge=b"",
                ephemeral=ephemeral,
                aa_signature=None,
                ca_response=_flip(answer, index, 0x01),
            )
    # A command not under the chip's keys: the chip answers "incorrect secure messaging".
    other = ec.generate_private_key(ec.SECP256R1())
    assert (
        EmulatedChip(card).chip_authenticate(point(ephemeral.public_key()), command(other, card))
        == b"\x69\x88"
    )


def test_a_chip_with_keys_that_does_not_answer_is_refused(document):
    with pytest.raises(DocumentRefused) as refused:
        check_clone(
            document.groups,
            challenge=os.urandom(8),
            ephemeral=None,
            aa_signature=None,
            ca_response=None,
        )
    assert refused.value.reason == "chip_not_genuine"


def test_a_chip_without_keys_is_at_most_substantial():
    assert (
        check_clone(
            {1: b"", 2: b""},
            challenge=os.urandom(8),
            ephemeral=None,
            aa_signature=None,
            ca_response=None,
        )
        == "none"
    )
    assert proofing_level("none", face_matched=True, live=True) is Level.SUBSTANTIAL
    assert proofing_level("active_authentication", face_matched=False, live=True) is None


def _iso9796_sha1(key: rsa.RSAPrivateKey, challenge: bytes) -> bytes:
    """ISO/IEC 9796-2 scheme 1 with SHA-1 and the one-byte trailer BC, as many passports sign."""
    numbers = key.private_numbers()
    n, d = numbers.public_numbers.n, numbers.d
    width = (n.bit_length() + 7) // 8
    m1 = os.urandom(width - 1 - 20 - 1)
    representative = b"\x6a" + m1 + hashlib.sha1(m1 + challenge).digest() + b"\xbc"
    sigma = pow(int.from_bytes(representative, "big"), d, n)
    return min(sigma, n - sigma).to_bytes(width, "big")


def test_rsa_active_authentication_with_either_trailer():
    key = rsa.generate_private_key(65537, 2048)
    challenge = os.urandom(8)
    verify_active_authentication(key.public_key(), None, challenge, _iso9796_sha1(key, challenge))
    with pytest.raises(DocumentRefused):
        verify_active_authentication(
            key.public_key(), None, os.urandom(8), _iso9796_sha1(key, challenge)
        )
    signature = bytearray(_iso9796_sha1(key, challenge))
    signature[-1] ^= 1
    with pytest.raises(DocumentRefused):
        verify_active_authentication(key.public_key(), None, challenge, bytes(signature))


def test_any_changed_byte_of_dg15_is_refused(issuer, trust):
    passport = make_document(issuer[0], holder("passport"), now=NOW)
    printed, data = parse(passport.printed_mrz), passport.groups[15]
    for index in range(len(data)):
        groups = {**passport.groups, 15: _flip(data, index, 0x01)}
        with pytest.raises(DocumentRefused) as refused:
            check_chip(printed, groups, passport.sod, trust, at=NOW)
        assert refused.value.reason == "chip_data_changed"


@pytest.mark.parametrize("chip", ["rsa_aa", "ecdsa_aa"])
def test_active_authentication_with_the_dg15_key(issuer, trust, chip):
    """ECDSA signs plain r || s with the hash DG14 names; RSA by ISO/IEC 9796-2."""
    document = make_document(issuer[0], holder("passport"), now=NOW, chip=chip)
    assert dg15_key(document.groups[15]).public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    checked, clone = read(document, trust)
    assert clone == checked.offered == "active_authentication"
    challenge = os.urandom(8)
    signature = bytearray(EmulatedChip(document).active_authenticate(challenge))
    signature[len(signature) // 2] ^= 1
    with pytest.raises(DocumentRefused):
        check_clone(
            document.groups,
            challenge=challenge,
            ephemeral=None,
            aa_signature=bytes(signature),
            ca_response=None,
        )


def test_a_signer_whose_name_does_not_read_is_refused_not_a_crash(issuer, id_card, trust):
    """A document signer certificate with an issuer name that is no text (a forger's): the
    SOD's own signature verifies with its key, and the name is then refused as malformed."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(x509.NameOID.COMMON_NAME, "QQQQQQQQ")])
    good = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(7)
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    der = good.public_bytes(serialization.Encoding.DER).replace(b"QQQQQQQQ", b"\xff\xfe" * 4)
    forged = x509.load_der_x509_certificate(der)
    sod = make_sod(id_card.groups, Signer(key, forged), NOW)
    with pytest.raises(DocumentRefused) as refused:
        passive_authentication(sod, id_card.groups, trust, issuing_state="DNK", at=NOW)
    assert refused.value.reason == "chip_data_malformed"


# --- dates -------------------------------------------------------------------------------------


def test_birth_dates_take_the_latest_century_before_today():
    mrz = parse(write(dataclasses.replace(parse(make_mrz_text()), birth_date="261201")))
    assert birth_date(mrz, date(2026, 11, 30)) == date(1926, 12, 1)
    mrz = dataclasses.replace(mrz, birth_date="261129")
    assert birth_date(mrz, date(2026, 11, 30)) == date(2026, 11, 29)


def make_mrz_text() -> str:
    return (
        "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
    )
