import pytest

from segl.core.assurance import NSIS, Level, achieved, reported_level, requested_level


def test_uris_are_the_nsis_ones():
    assert Level.SUBSTANTIAL.uri == "https://data.gov.dk/concept/core/nsis/Substantial"
    assert Level.from_uri(NSIS + "High") is Level.HIGH
    assert Level.from_uri("urn:other") is None


def test_achieved_is_the_lowest_of_identity_and_authenticator():
    assert achieved(Level.HIGH, Level.SUBSTANTIAL) is Level.SUBSTANTIAL
    assert achieved(Level.LOW, Level.HIGH) is Level.LOW


def test_requested_level_is_the_lowest_acceptable_known_value():
    assert requested_level(None) is None
    assert requested_level("urn:x") is None
    assert requested_level(f"{NSIS}High {NSIS}Substantial") is Level.SUBSTANTIAL
    assert requested_level(f"urn:x {NSIS}High") is Level.HIGH


def test_reported_level_is_the_highest_accepted_level_reached():
    """OIDC Core §5.5.1.1: with an essential acr, the acr returned is one of the values asked."""
    assert reported_level(Level.HIGH, [Level.SUBSTANTIAL]) is Level.SUBSTANTIAL
    assert reported_level(Level.HIGH, [Level.LOW, Level.HIGH]) is Level.HIGH
    assert reported_level(Level.SUBSTANTIAL, [Level.LOW, Level.HIGH]) is Level.LOW
    assert reported_level(Level.SUBSTANTIAL, [Level.SUBSTANTIAL]) is Level.SUBSTANTIAL


def test_reported_level_needs_a_reached_level():
    with pytest.raises(ValueError, match="none of the accepted"):
        reported_level(Level.LOW, [Level.SUBSTANTIAL, Level.HIGH])
