"""Why a chip's registration or login is refused; one error, its ``reason`` a stable code.

    ChipRefused                 chip_refused, with ``reason``:
      registration              unknown_serial    no chip with this serial in the inventory
                                not_yours         the chip was sent to someone else
                                chip_used         the chip was activated before (or retired)
                                model_not_accepted  its model is not in the allow-list or the
                                                  MDS3 blob, or it gave no attestation
                                attestation_invalid  a listed model whose attestation does not
                                                  verify (signature, certificate, root)
                                wrong_model       an accepted model, but not the one the
                                                  serial's batch was made of: another key
      login                     no_chip           the identity has no active chip
                                unknown_credential  a credential segl does not know
                                other_identity    another identity's chip
                                not_active        this identity's chip, suspended or retired
                                cloned            the signature counter did not move forward:
                                                  the chip is suspended
      both                      challenge_unknown challenge_used challenge_expired
                                wrong_origin      clientDataJSON names another origin
                                wrong_rp          authenticator data for another rpId
                                invalid           malformed, wrong signature, user not present

The codes are what the audit log records and what a page translates for the citizen.
"""

from __future__ import annotations

from typing import Final

from segl.core.errors import SeglError

REASONS: Final = frozenset(
    {
        "unknown_serial",
        "not_yours",
        "chip_used",
        "model_not_accepted",
        "attestation_invalid",
        "wrong_model",
        "no_chip",
        "unknown_credential",
        "other_identity",
        "not_active",
        "cloned",
        "challenge_unknown",
        "challenge_used",
        "challenge_expired",
        "wrong_origin",
        "wrong_rp",
        "invalid",
    }
)


class ChipRefused(SeglError):
    code = "chip_refused"

    def __init__(self, reason: str) -> None:
        if reason not in REASONS:
            raise ValueError(f"unknown chip refusal {reason!r}")
        super().__init__(reason)
        self.reason = reason
