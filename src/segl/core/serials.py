"""Device serial numbers: one rule for the inventory, its import and every activation.

The inventory keeps a serial number as 1 to 32 capital letters A-Z and digits 0-9 (ASCII), and
an import refuses, naming :data:`RULE`, a file with any other: no activation could find it.
What a person types from the back of a device is brought to that form by
:func:`normalise_serial` (spaces and hyphens dropped, small letters as capitals), so
``cd 1234-5678-97`` finds ``CD1234567897``.
"""

from __future__ import annotations

import re
import string
from typing import Final

__all__ = ["RULE", "is_serial", "normalise_serial"]

RULE: Final = "a serial number is 1 to 32 capital letters A-Z and digits 0-9"
_FORM: Final = re.compile(r"[A-Z0-9]{1,32}")
_SEPARATORS: Final = re.compile(r"[\s\-]")
_CAPITALS: Final = str.maketrans(string.ascii_lowercase, string.ascii_uppercase)


def is_serial(serial: str) -> bool:
    """Whether ``serial`` is in the inventory's form (:data:`RULE`)."""
    return _FORM.fullmatch(serial) is not None


def normalise_serial(typed: str) -> str:
    """``typed`` without spaces and hyphens, its ASCII letters as capitals; never raises.

    Only ASCII letters are raised: ``str.upper`` would turn a ligature such as ``ﬁ`` into
    ``FI`` and let text that is no serial number find one.
    """
    return _SEPARATORS.sub("", typed).translate(_CAPITALS)
