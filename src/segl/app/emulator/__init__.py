"""The segl app in Python: the same protocol as the web app, for tests, demos and RP developers.

Its keys live in a state file (one P-256 key per user ID: a household's app holds several,
seed 003) instead of a phone's key store. It speaks to segl over HTTP, or through any transport
with the same ``request`` method (Django's test client in tests)::

    app = AppEmulator("http://localhost:8000", state=Path("var/app.json"))
    activation = app.start_activation("anna-1234", "ABCD-EFGH-JKLM")
    app.finish_activation(activation, user_id="anna-1234", temporary_pin="123456", pin="2580")
    app.unlock("anna-1234", "2580")
    request = app.pending("anna-1234", wait=25)
    shown = app.bind("anna-1234", request["id"], qr="segl.…")
    app.answer("anna-1234", shown, "approve")
"""

from .app import AppEmulator, Registration
from .biometrics import SoftwareAuthenticator
from .camera import read_qr_image
from .wire import AppError, DjangoClientTransport, HttpTransport, Transport

__all__ = [
    "AppEmulator",
    "AppError",
    "DjangoClientTransport",
    "HttpTransport",
    "Registration",
    "SoftwareAuthenticator",
    "Transport",
    "read_qr_image",
]
