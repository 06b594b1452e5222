"""The device factory, device files and serial numbers: what the emulators hold and show."""

from __future__ import annotations

import json
import re
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from segl.core.clock import FrozenClock
from segl.core.errors import PskcError
from segl.core.otp import TotpParams, hotp_code, totp_code
from segl.core.pskc import parse_pskc
from segl.core.secrets import Secret
from segl.emulators import DeviceFile, check_serial, make_batch, make_serial, serial_kind

PASSPHRASE = b"a batch passphrase"
START = datetime(2026, 5, 4, 12, 0, 0, tzinfo=UTC)


# --- serial numbers --------------------------------------------------------------------------


def test_serials_carry_a_luhn_check_digit() -> None:
    assert make_serial("code_display", 123_456_789) == "CD1234567897"
    assert make_serial("audio_code_reader", 123_456_789) == "AR1234567897"
    assert make_serial("code_display", 1) == "CD0000000018"


def test_check_serial_forgives_spaces_hyphens_and_case() -> None:
    assert check_serial(" cd 123-456-789 7 ") == "CD1234567897"
    assert check_serial("ar1234567897") == "AR1234567897"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("CD1234567890", "check digit"),
        ("CD123456789", "ten digits"),
        ("XX1234567897", "CD or AR"),
        ("CD12345678977", "ten digits"),
        ("", "CD or AR"),
    ],
)
def test_check_serial_refuses_what_is_not_a_serial(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_serial(raw)


def test_serial_kind() -> None:
    assert serial_kind("CD1234567897") == "code_display"
    assert serial_kind("ar 1234567897") == "audio_code_reader"


@pytest.mark.parametrize("n", [0, 1_000_000_000, -1])
def test_make_serial_counts_from_1_to_999999999(n: int) -> None:
    with pytest.raises(ValueError):
        make_serial("code_display", n)


@given(
    kind=st.sampled_from(["code_display", "audio_code_reader"]),
    n=st.integers(1, 999_999_999),
    data=st.data(),
)
def test_every_single_digit_typo_is_caught(kind: str, n: int, data: st.DataObject) -> None:
    serial = make_serial(kind, n)  # type: ignore[arg-type]
    assert check_serial(serial) == serial
    index = data.draw(st.integers(2, 11))
    digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != serial[index]))
    with pytest.raises(ValueError, match="check digit"):
        check_serial(serial[:index] + digit + serial[index + 1 :])


# --- the factory -----------------------------------------------------------------------------


def test_a_batch_is_device_files_and_one_encrypted_pskc_file(tmp_path: Path) -> None:
    made: list[int] = []
    batch = make_batch("code_display", 3, tmp_path, passphrase=PASSPHRASE, on_device=made.append)
    assert batch.serials == ("CD0000000018", "CD0000000026", "CD0000000034")
    assert batch.device_paths == tuple(tmp_path / "devices" / f"{s}.json" for s in batch.serials)
    assert batch.pskc_path == tmp_path / f"{batch.name}.pskc"
    assert made == [1, 2, 3]
    for path in (*batch.device_paths, batch.pskc_path):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secrets = re.findall(rb"<pskc:Secret>(.*?)</pskc:Secret>", batch.pskc_path.read_bytes(), re.S)
    assert len(secrets) == 3
    assert all(b"EncryptedValue" in s and b"PlainValue" not in s for s in secrets)


def test_the_pskc_file_holds_the_seeds_in_the_device_files(tmp_path: Path) -> None:
    batch = make_batch("audio_code_reader", 4, tmp_path, passphrase=PASSPHRASE)
    seeds = parse_pskc(batch.pskc_path.read_bytes(), passphrase=PASSPHRASE)
    devices = [DeviceFile.load(path) for path in batch.device_paths]
    assert seeds == [device.seed() for device in devices]
    assert {seed.model for seed in seeds} == {"audio_code_reader"}
    assert {seed.manufacturer for seed in seeds} == {"segl factory"}
    assert len({seed.secret.reveal() for seed in seeds}) == 4
    assert all(len(seed.secret.reveal()) == 20 for seed in seeds)


def test_a_wrong_passphrase_does_not_open_the_batch(tmp_path: Path) -> None:
    batch = make_batch("code_display", 1, tmp_path, passphrase=PASSPHRASE)
    with pytest.raises(PskcError):
        parse_pskc(batch.pskc_path.read_bytes(), passphrase=b"guess")


def test_batches_continue_the_serial_numbers(tmp_path: Path) -> None:
    first = make_batch("code_display", 2, tmp_path, passphrase=PASSPHRASE)
    other = make_batch("audio_code_reader", 1, tmp_path, passphrase=PASSPHRASE)
    second = make_batch("code_display", 2, tmp_path, passphrase=PASSPHRASE)
    assert first.serials == ("CD0000000018", "CD0000000026")
    assert other.serials == ("AR0000000018",)
    assert second.serials == ("CD0000000034", "CD0000000042")
    assert len(list((tmp_path / "devices").iterdir())) == 5
    assert len(list(tmp_path.glob("*.pskc"))) == 3


def test_an_explicit_start_never_overwrites_a_device(tmp_path: Path) -> None:
    batch = make_batch("code_display", 2, tmp_path, passphrase=PASSPHRASE)
    before = batch.device_paths[1].read_bytes()
    with pytest.raises(FileExistsError, match="CD0000000026"):
        make_batch("code_display", 2, tmp_path, passphrase=PASSPHRASE, start=2)
    assert batch.device_paths[1].read_bytes() == before
    assert not (tmp_path / "devices" / "CD0000000034.json").exists()
    assert make_batch("code_display", 1, tmp_path, passphrase=PASSPHRASE, start=100).serials == (
        "CD0000001008",
    )


def test_hotp_and_sha256_batches(tmp_path: Path) -> None:
    batch = make_batch(
        "code_display",
        2,
        tmp_path,
        passphrase=PASSPHRASE,
        algorithm="hotp",
        digits=8,
        hash_algorithm="SHA256",
    )
    seeds = parse_pskc(batch.pskc_path.read_bytes(), passphrase=PASSPHRASE)
    assert [(s.algorithm, s.digits, s.hash_algorithm, s.period) for s in seeds] == [
        ("hotp", 8, "SHA256", None)
    ] * 2
    assert all(len(s.secret.reveal()) == 32 for s in seeds)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"count": 0}, "at least one"),
        ({"kind": "chip"}, "unknown device kind"),
        ({"algorithm": "ocra"}, "unknown algorithm"),
        ({"hash_algorithm": "MD5"}, "unknown hash"),
        ({"digits": 10}, "10 digits"),
        ({"start": 999_999_999, "count": 2}, "999999999"),
    ],
)
def test_make_batch_checks_its_arguments(tmp_path: Path, kwargs: dict, message: str) -> None:
    arguments = {"kind": "code_display", "count": 1} | kwargs
    with pytest.raises(ValueError, match=message):
        make_batch(out_dir=tmp_path, passphrase=PASSPHRASE, **arguments)
    assert not (tmp_path / "devices").exists() or not any((tmp_path / "devices").iterdir())


# --- pressing the button ---------------------------------------------------------------------


def test_a_totp_device_shows_the_totp_code(tmp_path: Path) -> None:
    (path,) = make_batch("code_display", 1, tmp_path, passphrase=PASSPHRASE).device_paths
    device = DeviceFile.load(path)
    clock = FrozenClock(START)
    for _ in range(5):
        expected = totp_code(device.secret.reveal(), clock(), TotpParams())
        assert device.press(clock()) == expected
        clock.advance(timedelta(seconds=17))
    assert DeviceFile.load(path) == device  # a TOTP press changes nothing in the file


def test_the_code_follows_the_device_parameters(tmp_path: Path) -> None:
    batch = make_batch(
        "code_display",
        1,
        tmp_path,
        passphrase=PASSPHRASE,
        digits=8,
        period=60,
        hash_algorithm="SHA512",
    )
    device = DeviceFile.load(batch.device_paths[0])
    params = TotpParams(algorithm="SHA512", digits=8, period=60)
    assert device.press(START) == totp_code(device.secret.reveal(), START, params)
    assert len(device.press(START)) == 8


def test_rfc6238_vectors_through_a_device_file() -> None:
    device = DeviceFile(
        serial="CD0000000018",
        kind="code_display",
        algorithm="totp",
        secret=Secret(b"12345678901234567890"),
        digits=8,
    )
    assert device.press(datetime.fromtimestamp(59, UTC)) == "94287082"
    assert device.press(datetime.fromtimestamp(1_111_111_109, UTC)) == "07081804"


def test_a_hotp_device_moves_and_saves_its_counter(tmp_path: Path) -> None:
    batch = make_batch("code_display", 1, tmp_path, passphrase=PASSPHRASE, algorithm="hotp")
    path = batch.device_paths[0]
    secret = DeviceFile.load(path).secret.reveal()
    codes = [DeviceFile.load(path).press(START) for _ in range(3)]
    assert codes == [hotp_code(secret, counter) for counter in range(3)]
    assert DeviceFile.load(path).counter == 3
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary files left


# --- the device file -------------------------------------------------------------------------


def test_device_file_format(tmp_path: Path) -> None:
    batch = make_batch("code_display", 1, tmp_path, passphrase=PASSPHRASE)
    data = json.loads(batch.device_paths[0].read_text())
    assert set(data) == {
        "format",
        "serial",
        "kind",
        "algorithm",
        "hash_algorithm",
        "digits",
        "period",
        "t0",
        "counter",
        "secret",
    }
    assert data["format"] == "segl-device/1"
    assert data["serial"] == "CD0000000018"
    assert data["kind"] == "code_display"
    assert (data["algorithm"], data["digits"], data["period"], data["t0"]) == ("totp", 6, 30, 0)
    assert len(data["secret"]) == 32  # 160 bits of base32


def test_an_audio_code_reader_keeps_its_settings(tmp_path: Path) -> None:
    (path,) = make_batch("audio_code_reader", 1, tmp_path, passphrase=PASSPHRASE).device_paths
    data = json.loads(path.read_text())
    assert (data["language"], data["volume"], data["speed"]) == ("da", 5, 3)
    device = DeviceFile.load(path)
    device.language, device.volume, device.speed = "en", 9, 1
    device.dump()
    assert (DeviceFile.load(path).language, DeviceFile.load(path).volume) == ("en", 9)


def test_device_file_repr_hides_the_secret(tmp_path: Path) -> None:
    (path,) = make_batch("code_display", 1, tmp_path, passphrase=PASSPHRASE).device_paths
    text = repr(DeviceFile.load(path))
    assert json.loads(path.read_text())["secret"] not in text
    assert "Secret('**********')" in text


def good() -> dict[str, object]:
    return {
        "format": "segl-device/1",
        "serial": "AR0000000018",
        "kind": "audio_code_reader",
        "algorithm": "totp",
        "hash_algorithm": "SHA1",
        "digits": 6,
        "period": 30,
        "t0": 0,
        "counter": 0,
        "secret": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ",
        "language": "da",
        "volume": 5,
        "speed": 3,
    }


def test_a_device_file_reads_back() -> None:
    device = DeviceFile.from_json(good())
    assert device.secret == Secret(b"12345678901234567890")
    assert DeviceFile.from_json(device.to_json()) == device


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format": "segl-device/2"}, "format"),
        ({"serial": "AR0000000019"}, "check digit"),
        ({"serial": "CD0000000018"}, "is not a audio_code_reader"),
        ({"kind": "chip"}, "unknown device kind"),
        ({"algorithm": "ocra"}, "unknown algorithm"),
        ({"period": 0}, "period"),
        ({"counter": -1}, "counter"),
        ({"volume": 10}, "volume"),
        ({"speed": 0}, "speed"),
        ({"language": "sv"}, "language"),
        ({"secret": "not base32!"}, "base32"),
        ({"secret": None}, "base32"),
    ],
)
def test_bad_device_files_are_refused(change: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        DeviceFile.from_json(good() | change)


def test_a_device_file_needs_its_secret() -> None:
    data = good()
    del data["secret"]
    with pytest.raises(ValueError, match="'secret'"):
        DeviceFile.from_json(data)


def test_a_code_display_has_no_audio_settings() -> None:
    data = good() | {"serial": "CD0000000018", "kind": "code_display"}
    device = DeviceFile.from_json(data)
    assert (device.language, device.volume, device.speed) == (None, None, None)
    assert "language" not in device.to_json()
    device.volume = 3
    with pytest.raises(ValueError, match="only an audio code reader"):
        device.to_json()


def test_load_refuses_what_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "CD0000000018.json"
    path.write_text("not json")
    with pytest.raises(ValueError, match="not a device file"):
        DeviceFile.load(path)
