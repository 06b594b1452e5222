"""One numbering for the test people and devices of a test process.

pytest loads the root conftest as ``conftest`` while test modules import it as
``tests.conftest``: two copies of that module. A counter kept here is one, whichever copy asks,
so two people made in one test never share a CPR number nor two devices a serial."""

from __future__ import annotations

serials = iter(range(1, 10**6))
