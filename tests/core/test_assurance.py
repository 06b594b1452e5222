from segl.core.assurance import NSIS, Level, achieved, requested_level


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
