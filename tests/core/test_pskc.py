"""PSKC (RFC 6030): the RFC figures, a corpus of bad files, and write/read round trips."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pskc import PSKC

from segl.core.errors import PskcError
from segl.core.otp import TotpParams, hotp_code, totp_code
from segl.core.pskc import TokenSeed, parse_pskc
from segl.core.pskc_writer import write_pskc
from segl.core.secrets import Secret

VECTORS = Path(__file__).resolve().parent.parent / "vectors"
RFC_SECRET = b"12345678901234567890"  # the secret of RFC 6030's figures (and RFC 4226's)
FIGURE6_PSK = bytes.fromhex("12345678901234567890123456789012")
KW_PSK = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
FAST = 1_000  # PBKDF2 iterations for tests that write many files


def hotp(serial: str, *, digits: int, manufacturer: str, model: str | None = None) -> TokenSeed:
    return TokenSeed(
        serial=serial,
        algorithm="hotp",
        secret=Secret(RFC_SECRET),
        digits=digits,
        hash_algorithm="SHA1",
        period=None,
        t0=0,
        counter=0,
        manufacturer=manufacturer,
        model=model,
    )


# --- the RFC 6030 figures --------------------------------------------------------------------

# Each figure: the arguments to parse it with, and either the seeds or the error it must give.
FIGURES: dict[str, tuple[dict[str, Any], list[TokenSeed] | str]] = {
    # A 32-bit secret on a key without a device: nothing a citizen could activate.
    "figure2": ({}, "no DeviceInfo/SerialNo"),
    "figure3": ({}, [hotp("987654321", digits=8, manufacturer="Manufacturer")]),
    "figure4": ({}, "derived from a master key are not supported"),
    "figure5": ({}, r"unsupported algorithm '.*:pin'"),
    "figure6": (
        {"psk": FIGURE6_PSK},
        [hotp("987654321", digits=8, manufacturer="Manufacturer")],
    ),
    "figure7": (
        {"passphrase": b"qwerty"},
        [hotp("987654321", digits=8, manufacturer="TokenVendorAcme")],
    ),
    "figure8": ({"psk": FIGURE6_PSK}, "unsupported encryption algorithm .*rsa_1_5"),
    "figure9": ({}, [hotp("0755225266", digits=6, manufacturer="TokenVendorAcme")]),
    # Its four keys share the RFC's one secret: two devices must never give the same codes.
    "figure10": ({}, "key '123456': has the same seed as key '654321'"),
}

OTHER_VECTORS: dict[str, tuple[dict[str, Any], list[TokenSeed]]] = {
    "kw-aes128": (
        {"psk": KW_PSK},
        [
            TokenSeed(
                serial="KW0000001",
                algorithm="hotp",
                secret=Secret(bytes.fromhex("00112233445566778899AABBCCDDEEFF")),
                digits=6,
                hash_algorithm="SHA1",
                period=None,
                counter=7,
                manufacturer="TokenVendorAcme",
                model="event token",
            )
        ],
    ),
    "totp-sha256": (
        {},
        [
            TokenSeed(
                serial="TOTP-0001",
                algorithm="totp",
                secret=Secret(b"12345678901234567890123456789012"),
                digits=8,
                hash_algorithm="SHA256",
                period=30,
                t0=0,
                manufacturer="TokenVendorAcme",
            )
        ],
    ),
}


def figure(name: str) -> bytes:
    return (VECTORS / "rfc6030" / f"{name}.pskcxml").read_bytes()


def test_every_figure_has_an_expectation() -> None:
    assert {p.stem for p in (VECTORS / "rfc6030").glob("*.pskcxml")} == set(FIGURES)
    assert {p.stem for p in (VECTORS / "pskc").glob("*.pskcxml")} == set(OTHER_VECTORS)


@pytest.mark.parametrize("name", sorted(FIGURES))
def test_rfc6030_figures(name: str) -> None:
    kwargs, expected = FIGURES[name]
    if isinstance(expected, str):
        with pytest.raises(PskcError, match=expected):
            parse_pskc(figure(name), **kwargs)
    else:
        assert parse_pskc(figure(name), **kwargs) == expected


@pytest.mark.parametrize("name", sorted(OTHER_VECTORS))
def test_other_vectors(name: str) -> None:
    kwargs, expected = OTHER_VECTORS[name]
    data = (VECTORS / "pskc" / f"{name}.pskcxml").read_bytes()
    assert parse_pskc(data, **kwargs) == expected


def test_imported_seeds_give_the_rfc_codes() -> None:
    # RFC 4226 Appendix D: the figures' secret at counter 0 and 1.
    (seed,) = parse_pskc(figure("figure7"), passphrase=b"qwerty")
    assert hotp_code(seed.secret.reveal(), 0, digits=6) == "755224"
    assert hotp_code(seed.secret.reveal(), 1, digits=6) == "287082"
    # RFC 6238 Appendix B: SHA-256 at T = 59 s.
    (totp,) = parse_pskc((VECTORS / "pskc" / "totp-sha256.pskcxml").read_bytes())
    assert totp.period is not None
    params = TotpParams(algorithm=totp.hash_algorithm, digits=totp.digits, period=totp.period)
    assert totp_code(totp.secret.reveal(), datetime.fromtimestamp(59, UTC), params) == "46119246"


def test_a_wrong_passphrase_is_refused() -> None:
    with pytest.raises(PskcError, match="passphrase or key is wrong"):
        parse_pskc(figure("figure7"), passphrase=b"QWERTY")


def test_a_wrong_pre_shared_key_is_refused() -> None:
    with pytest.raises(PskcError, match="passphrase or key is wrong"):
        parse_pskc(figure("figure6"), psk=bytes(16))


def test_an_encrypted_file_needs_its_key() -> None:
    with pytest.raises(PskcError, match="give the passphrase"):
        parse_pskc(figure("figure7"))
    with pytest.raises(PskcError, match="give the passphrase"):
        parse_pskc(figure("figure7"), psk=FIGURE6_PSK)
    with pytest.raises(PskcError, match="encrypted; give the passphrase or pre-shared key"):
        parse_pskc(figure("figure6"))
    with pytest.raises(PskcError, match="pre-shared key, not a passphrase"):
        parse_pskc(figure("figure6"), passphrase=b"qwerty")


def test_a_plaintext_seed_is_refused_when_encryption_was_expected() -> None:
    # Someone who can swap the vendor's file must not get their own seeds imported.
    for kwargs in ({"passphrase": b"qwerty"}, {"psk": FIGURE6_PSK}):
        with pytest.raises(PskcError, match="secret is not encrypted"):
            parse_pskc(figure("figure3"), **kwargs)


def test_passphrase_and_psk_together_are_a_programming_error() -> None:
    with pytest.raises(ValueError, match="not both"):
        parse_pskc(figure("figure6"), passphrase=b"x", psk=FIGURE6_PSK)
    with pytest.raises(TypeError):
        parse_pskc(figure("figure3").decode())  # type: ignore[arg-type]


# --- the corpus of bad files -----------------------------------------------------------------

PSK6 = {"psk": FIGURE6_PSK}
FACTORY = {"passphrase": b"factory"}
INVALID: dict[str, tuple[dict[str, Any], str]] = {
    "not-xml": ({}, "not well-formed XML"),
    "truncated": ({}, "not well-formed XML"),
    "empty": ({}, "not well-formed XML"),
    "wrong-root": ({}, "not a PSKC file"),
    "wrong-namespace": ({}, "not a PSKC file"),
    "wrong-version": ({}, "unsupported PSKC version '1.1'"),
    "unexpected-element": ({}, "unexpected element Surprise"),
    "no-keys": ({}, "holds no keys"),
    "entity-expansion": ({}, "DTD or entities"),
    "entity-expansion-utf16": ({}, "DTD or entities"),
    "external-entity": ({}, "DTD or entities"),
    "doctype": ({}, "DTD or entities"),
    "mac-tampered": (PSK6, "MAC of the Secret does not match"),
    "value-tampered": (PSK6, "MAC of the Secret does not match"),
    "mac-key-tampered": (PSK6, "MAC"),
    "mac-missing": (PSK6, "CBC-encrypted but has no ValueMAC"),
    "mac-method-missing": (PSK6, "ValueMAC but no MACMethod"),
    "mac-md5": (PSK6, "unsupported MAC algorithm .*hmac-md5"),
    "header-after-package": (PSK6, "EncryptionKey must come before the first KeyPackage"),
    "pbkdf2-iterations": ({"passphrase": b"qwerty"}, "1000000000 PBKDF2 iterations"),
    "missing-secret": ({}, r"key '987654321': no secret"),
    "unknown-algorithm": ({}, r"key '987654321': unsupported algorithm '.*:ocra'"),
    "missing-algorithm": ({}, "unsupported algorithm None"),
    "duplicate-serial": ({}, "serial '987654321' appears more than once"),
    "two-keys": ({}, "exactly one Key, not 2"),
    "short-secret": ({}, "the secret is 32 bits"),
    "bad-base64": ({}, "secret is not valid base64"),
    "counter-not-integer": ({}, "Counter 'TWELVE' is not a non-negative integer"),
    "counter-negative": ({}, "Counter '-1' is not a non-negative integer"),
    "policy-unknown": ({}, "policy element Frobnicate is not understood"),
    "policy-usage": ({}, r"usage \(Encrypt\) is not OTP"),
    "pin-prepend": ({}, "PIN usage mode 'Prepend' is not supported"),
    "response-hexadecimal": ({}, "'HEXADECIMAL' are not supported"),
    "response-length": ({}, "codes of 10 digits are not supported"),
    "check-digits": ({}, "check digit are not supported"),
    "unknown-hash": ({}, "unsupported hash 'HMAC-MD5'"),
    # A seed moved to another serial (decision 21): the ValueMAC alone does not see it.
    "seed-copied": (PSK6, "key '987654322': has the same seed as key '987654321'"),
    "binding-forged": (PSK6, "key '987654321': the serial binding does not match"),
    "relabelled": (FACTORY, "key 'CD0000000026': the serial binding does not match"),
    "data-moved": (FACTORY, "key 'CD0000000018': the serial binding does not match"),
    "binding-stripped": (FACTORY, "segl's factory, but this key package has no serial binding"),
}


def test_every_invalid_file_has_an_expectation() -> None:
    assert {p.stem for p in (VECTORS / "pskc-invalid").glob("*.pskcxml")} == set(INVALID)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_files_are_refused(name: str) -> None:
    kwargs, message = INVALID[name]
    data = (VECTORS / "pskc-invalid" / f"{name}.pskcxml").read_bytes()
    with pytest.raises(PskcError, match=message):
        parse_pskc(data, **kwargs)


def test_a_deeply_nested_header_is_refused() -> None:
    depth = 100_000
    data = (
        f'<KeyContainer xmlns="urn:ietf:params:xml:ns:keyprov:pskc" Version="1.0">'
        f"<EncryptionKey>{'<a>' * depth}{'</a>' * depth}</EncryptionKey></KeyContainer>"
    )
    with pytest.raises(PskcError, match="nested too deeply"):
        parse_pskc(data.encode(), psk=FIGURE6_PSK)


def test_a_bad_key_after_good_ones_imports_nothing() -> None:
    seeds = [seed(n) for n in range(3)]
    data = write_pskc(seeds, passphrase=b"pw", iterations=FAST).decode()
    # Break the last key's secret: the first two must not come back either.
    last = data.rindex("<xenc:CipherValue>") + len("<xenc:CipherValue>")
    broken = data[:last] + ("B" if data[last] == "A" else "A") + data[last + 1 :]
    read: list[int] = []
    with pytest.raises(PskcError, match=r"key 'CD000000002': the MAC of the Secret"):
        parse_pskc(broken.encode(), passphrase=b"pw", on_key=read.append)
    assert read == [1, 2]  # progress was shown, but nothing was returned


# --- writing ---------------------------------------------------------------------------------


def seed(n: int, **changes: Any) -> TokenSeed:
    fields: dict[str, Any] = {
        "serial": f"CD00000000{n}",
        "algorithm": "totp",
        "secret": Secret(bytes([n]) * 20),
        "digits": 6,
        "hash_algorithm": "SHA1",
        "period": 30,
        "t0": 0,
        "counter": 0,
        "manufacturer": "segl factory",
        "model": "code_display",
    }
    fields.update(changes)
    return TokenSeed(**fields)


def test_written_files_read_back() -> None:
    seeds = [
        seed(1),
        seed(2, algorithm="hotp", period=None, counter=41, hash_algorithm="SHA512", digits=8),
        seed(3, period=60, t0=1_700_000_000, hash_algorithm="SHA256", model=None),
    ]
    calls: list[int] = []
    data = write_pskc(seeds, passphrase=b"batch passphrase", iterations=FAST)
    assert parse_pskc(data, passphrase=b"batch passphrase", on_key=calls.append) == seeds
    assert calls == [1, 2, 3]


def test_written_files_are_pbkdf2_encrypted_with_a_mac() -> None:
    data = write_pskc([seed(1)], passphrase=b"pw", iterations=FAST)
    text = data.decode()
    assert "pkcs-5v2-0#pbkdf2" in text
    assert "<IterationCount>1000</IterationCount>" in text
    assert "xmlenc#aes256-cbc" in text
    assert "<pskc:ValueMAC>" in text
    assert "xmldsig-more#hmac-sha256" in text
    assert "PlainValue>AQEB" not in text  # the secret is not in plaintext
    assert text.count("<segl:SerialBinding>") == 1  # the seed is bound to its serial


def test_write_uses_100000_iterations_by_default() -> None:
    data = write_pskc([seed(1)], passphrase=b"pw")
    assert b"<IterationCount>100000</IterationCount>" in data


def test_python_pskc_reads_what_segl_writes() -> None:
    seeds = [seed(1), seed(2, algorithm="hotp", period=None, counter=9)]
    container = PSKC(io.BytesIO(write_pskc(seeds, passphrase=b"pw", iterations=FAST)))
    container.encryption.derive_key(b"pw")
    keys = container.keys
    assert [k.serial for k in keys] == ["CD000000001", "CD000000002"]
    assert [k.secret for k in keys] == [bytes([1]) * 20, bytes([2]) * 20]
    assert keys[0].algorithm == "urn:ietf:params:xml:ns:keyprov:pskc:totp"
    assert keys[0].time_interval == 30
    assert keys[1].counter == 9
    assert [k.response_length for k in keys] == [6, 6]


def test_a_written_file_relabelled_imports_nothing() -> None:
    data = write_pskc([seed(1), seed(2)], passphrase=b"pw", iterations=FAST).decode()
    swapped = (
        data.replace("<pskc:SerialNo>CD000000001<", "<pskc:SerialNo>X<")
        .replace("<pskc:SerialNo>CD000000002<", "<pskc:SerialNo>CD000000001<")
        .replace("<pskc:SerialNo>X<", "<pskc:SerialNo>CD000000002<")
    )
    assert parse_pskc(data.encode(), passphrase=b"pw") == [seed(1), seed(2)]
    with pytest.raises(PskcError, match="key 'CD000000002': the serial binding does not match"):
        parse_pskc(swapped.encode(), passphrase=b"pw")


def test_tampering_with_a_written_file_is_detected() -> None:
    data = write_pskc([seed(1)], passphrase=b"pw", iterations=FAST).decode()
    mac = re.search(r"<pskc:ValueMAC>(.)", data)
    assert mac is not None
    swapped = "B" if mac.group(1) != "B" else "C"
    tampered = data[: mac.start(1)] + swapped + data[mac.end(1) :]
    with pytest.raises(PskcError, match="MAC of the Secret does not match"):
        parse_pskc(tampered.encode(), passphrase=b"pw")


@pytest.mark.parametrize(
    ("seeds", "kwargs", "message"),
    [
        ([], {}, "no seeds"),
        ([seed(1), seed(1)], {}, "appears more than once"),
        ([seed(1), seed(2, secret=Secret(bytes([1]) * 20))], {}, "the same seed"),
        ([seed(1, secret=Secret(b"short"))], {}, "40 bits"),
        ([seed(1, digits=4)], {}, "4 digits"),
        ([seed(1, period=0)], {}, "time step"),
        ([seed(1, serial="")], {}, "serial"),
        ([seed(1, serial="CD\n1")], {}, "serial"),
        ([seed(1, serial=" CD1")], {}, "serial"),
        ([seed(1, manufacturer="Acme\x00")], {}, "manufacturer"),
        ([seed(1, model="\ud800")], {}, "model"),
        ([seed(1)], {"iterations": 999}, "1000 PBKDF2 iterations"),
        ([seed(1)], {"passphrase": b""}, "passphrase"),
    ],
)
def test_write_refuses_what_it_could_not_read_back(
    seeds: list[TokenSeed], kwargs: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {"passphrase": b"pw", "iterations": FAST} | kwargs
    with pytest.raises(ValueError, match=message):
        write_pskc(seeds, **arguments)


# --- properties ------------------------------------------------------------------------------

TEXT = st.text(
    st.characters(categories=("L", "N", "P", "S"), max_codepoint=0xFFFF),
    min_size=1,
    max_size=24,
)


@st.composite
def token_seeds(draw: st.DrawFn) -> list[TokenSeed]:
    serials = draw(st.lists(TEXT, min_size=1, max_size=5, unique=True))
    secrets = draw(
        st.lists(
            st.binary(min_size=16, max_size=64),
            min_size=len(serials),
            max_size=len(serials),
            unique=True,
        )
    )
    seeds = []
    for serial, secret in zip(serials, secrets, strict=True):
        algorithm = draw(st.sampled_from(["totp", "hotp"]))
        totp = algorithm == "totp"
        seeds.append(
            TokenSeed(
                serial=serial,
                algorithm=algorithm,
                secret=Secret(secret),
                digits=draw(st.integers(6, 8)),
                hash_algorithm=draw(st.sampled_from(["SHA1", "SHA256", "SHA512"])),
                period=draw(st.integers(1, 86_400)) if totp else None,
                t0=draw(st.integers(0, 2**40)) if totp else 0,
                counter=0 if totp else draw(st.integers(0, 2**64 - 1)),
                manufacturer=draw(st.none() | TEXT),
                model=draw(st.none() | TEXT),
            )
        )
    return seeds


@settings(deadline=None, max_examples=60)
@given(seeds=token_seeds(), passphrase=st.binary(min_size=1, max_size=32))
def test_write_then_parse_gives_the_same_seeds(seeds: list[TokenSeed], passphrase: bytes) -> None:
    data = write_pskc(seeds, passphrase=passphrase, iterations=FAST)
    assert parse_pskc(data, passphrase=passphrase) == seeds
