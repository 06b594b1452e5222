"""What the login flow's services refuse with."""

from __future__ import annotations

from segl.core.errors import SeglError


class FlowRefused(SeglError):
    """The flow cannot go on for a reason the citizen must be told (``reason`` says which)."""

    code = "flow_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WrongBrowser(SeglError):
    code = "flow_browser"
