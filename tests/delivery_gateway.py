"""A provider for the delivery tests' worker processes: each message it takes is a line in the
file ``SEGL_TEST_SENT_LOG`` names (the process's id and the recipient), appended at once."""

from __future__ import annotations

import os
import time
from typing import Any


class FileGateway:
    def send(self, message: Any) -> None:
        time.sleep(0.002)  # a provider's answer takes a while: the workers' turns interleave
        with open(os.environ["SEGL_TEST_SENT_LOG"], "a", encoding="ascii") as log:
            log.write(f"{os.getpid()} {message.to}\n")
