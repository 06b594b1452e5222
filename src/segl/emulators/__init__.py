"""Emulated devices: product code that speaks the real formats, for demos, tests and RPs.

A code display or audio code reader is a device file (``device_file``); the factory
(``factory``) makes batches of them together with the PSKC file the IdP imports.
"""

from segl.emulators.device_file import DeviceFile, Kind, check_serial, make_serial, serial_kind
from segl.emulators.factory import BatchResult, make_batch

__all__ = [
    "BatchResult",
    "DeviceFile",
    "Kind",
    "check_serial",
    "make_batch",
    "make_serial",
    "serial_kind",
]
