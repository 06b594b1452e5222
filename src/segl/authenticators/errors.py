"""The errors of the device inventory and authenticators."""

from __future__ import annotations

from segl.core.errors import SeglError


class DeviceError(SeglError):
    """A device that cannot be used for what was asked (wrong state, wrong owner, unknown)."""

    code = "device_unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
