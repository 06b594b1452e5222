"""segl's system checks (segl.checks): run by Django's check command, each with an id and a
hint."""

from __future__ import annotations

from io import StringIO
from ipaddress import ip_network

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from segl.checks import check_configuration
from segl.chip.checks import check_chip_models
from segl.noticesettings import EMAIL, SMS, NoticeSettings

HTTPS = "https://id.example"


@pytest.fixture(autouse=True)
def no_demo_chip_models(config, tmp_path):
    """The test data folder may hold the demo's allow-list (it accepts Chromium's virtual
    authenticator, an error in production): these tests look at one configuration each."""
    config(chip_models=tmp_path / "no-chip-models")


def test_the_test_configuration_passes_the_check_command():
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()
    assert check_configuration() == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"env": "production", "debug": True, "base_url": HTTPS}, "segl.E001"),
        ({"secret_key": "x" * 40}, "segl.E002"),
        ({"secret_key": "django-insecure-" + "abcdefgh" * 5}, "segl.E002"),
        ({"trusted_proxies": (ip_network("0.0.0.0/0"),)}, "segl.E003"),
        ({"trusted_proxies": (ip_network("::/0"),)}, "segl.E003"),
    ],
)
def test_errors_fail_the_check_command(config, changes, expected):
    config(**changes)
    with pytest.raises(SystemCheckError, match=expected):
        call_command("check", stdout=StringIO(), stderr=StringIO())
    (message,) = [m for m in check_configuration() if m.id == expected]
    assert message.hint and message.is_serious()


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"env": "production", "base_url": "http://localhost:8000"}, "segl.W001"),
        ({"env": "production", "redis_url": None, "base_url": HTTPS}, "segl.W002"),
        ({"trusted_proxies": (ip_network("10.0.0.0/8"),)}, "segl.W003"),
        ({"trusted_proxies": (ip_network("2001:db8::/32"),)}, "segl.W003"),
        ({"env": "production", "base_url": HTTPS}, "segl.W004"),
        ({"env": "production", "base_url": HTTPS, "support_email": ""}, "segl.W006"),
        ({"env": "production", "base_url": HTTPS, "notices": NoticeSettings()}, "segl.W007"),
        ({"env": "production", "base_url": HTTPS,
          "notices": NoticeSettings(sms_gateway=SMS)}, "segl.W007"),
    ],
)  # fmt: skip
def test_warnings_are_shown_and_pass(config, changes, expected):
    config(**changes)
    err = StringIO()
    call_command("check", stdout=StringIO(), stderr=err)
    assert expected in err.getvalue()
    (message,) = [m for m in check_configuration() if m.id == expected]
    assert message.hint and not message.is_serious()


PRODUCTION = {
    "env": "production",
    "base_url": HTTPS,
    "redis_url": "redis://cache:6379/0",
    "trusted_proxies": (ip_network("10.0.0.5/32"), ip_network("fd00:1::/64")),
    "notices": NoticeSettings(sms_gateway=SMS, email_gateway=EMAIL),
}


def test_a_production_configuration_done_right_has_nothing_to_say(config, tmp_path):
    config(**PRODUCTION, chip_models=tmp_path / "chip-models")
    assert check_configuration() == check_chip_models() == []


def _trust_folder(tmp_path, *, crl_due):
    """A trust folder with one CSCA and its revocation list, due on ``crl_due``."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(x509.NameOID.COUNTRY_NAME, "SE"),
            x509.NameAttribute(x509.NameOID.COMMON_NAME, "CSCA"),
        ]
    )
    now = datetime.now(UTC)
    csca = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - timedelta(days=9))
        .not_valid_after(now + timedelta(days=900))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(name)
        .last_update(crl_due - timedelta(days=90))
        .next_update(crl_due)
        .sign(key, hashes.SHA256())
    )
    (tmp_path / "se.pem").write_bytes(csca.public_bytes(serialization.Encoding.PEM))
    (tmp_path / "se.crl").write_bytes(crl.public_bytes(serialization.Encoding.DER))
    return tmp_path


def test_a_stale_revocation_list_in_the_trust_folder_is_a_warning(config, tmp_path):
    from datetime import UTC, datetime, timedelta

    config(proofing_trust=_trust_folder(tmp_path, crl_due=datetime.now(UTC) + timedelta(days=3)))
    assert [m.id for m in check_configuration()] == []
    config(proofing_trust=_trust_folder(tmp_path, crl_due=datetime.now(UTC) - timedelta(days=3)))
    (message,) = check_configuration()
    assert message.id == "segl.W005" and "CN=CSCA" in message.msg and not message.is_serious()


def test_a_trust_folder_that_does_not_load_is_an_error(config, tmp_path):
    (tmp_path / "readme.txt").write_text("the CSCAs of the Nordic countries")
    config(proofing_trust=tmp_path)
    (message,) = check_configuration()
    assert message.id == "segl.E004" and "readme.txt" in message.msg and message.is_serious()


def test_the_passport_factory_issues_its_revocation_list_again_when_due(tmp_path):
    from datetime import UTC, datetime, timedelta

    from cryptography import x509

    from segl.emulators.issuer import Issuer

    made = datetime.now(UTC) - timedelta(days=200)
    Issuer.open(tmp_path, made)
    crl_path = tmp_path / "trust" / "segl-test-csca.crl"
    assert x509.load_der_x509_crl(crl_path.read_bytes()).next_update_utc < datetime.now(UTC)
    issuer = Issuer.open(tmp_path, datetime.now(UTC))
    crl = x509.load_der_x509_crl(crl_path.read_bytes())
    assert crl.next_update_utc > datetime.now(UTC)
    assert crl.get_revoked_certificate_by_serial_number(issuer.revoked.certificate.serial_number)


def test_a_chip_allow_list_that_does_not_load_is_an_error(config, tmp_path):
    (tmp_path / "models.json").write_text('{"models": [{"aaguid": "x", "name": "y"}]}')
    config(chip_models=tmp_path)
    (message,) = check_chip_models()
    assert message.id == "segl.E005" and "models.json" in message.msg and message.is_serious()


def test_the_demos_virtual_authenticator_in_production_is_a_warning(config, tmp_path):
    import json
    import shutil

    from segl.demo.chips import CHROMIUM_AAGUID, CHROMIUM_ROOT

    shutil.copyfile(CHROMIUM_ROOT, tmp_path / "chromium.pem")
    model = {"aaguid": CHROMIUM_AAGUID, "name": "virtual", "roots": ["chromium.pem"]}
    (tmp_path / "models.json").write_text(json.dumps({"models": [model]}))
    config(chip_models=tmp_path)
    assert check_chip_models() == []  # in development, where the demo runs
    config(**PRODUCTION)
    assert [m.id for m in check_chip_models()] == ["segl.E006"]
