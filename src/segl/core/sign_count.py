"""The WebAuthn signature counter rule (WebAuthn Level 2 §6.1.1, step 21 of verifying an
assertion): a counter that does not move forward is a sign that the authenticator may have been
cloned.

    "If authData.signCount is nonzero or storedSignCount is nonzero, then [...] If
    authData.signCount is greater than storedSignCount: update storedSignCount [...]. less than
    or equal to storedSignCount: This is a signal that the authenticator may be cloned."

An authenticator that keeps no counter sends zero every time; with both counters zero there is
nothing to compare.
"""

from __future__ import annotations

__all__ = ["may_be_cloned"]


def may_be_cloned(stored: int, received: int) -> bool:
    """Whether an assertion carrying ``received`` after ``stored`` signals a cloned key."""
    if stored < 0 or received < 0:
        raise ValueError("a signature counter is never negative")
    if stored == 0 and received == 0:
        return False
    return received <= stored
