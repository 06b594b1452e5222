"""The app's proofing journey, emulated: the same calls the app makes (seed 000/001 step 7:
scan the code on the document, read its chip, scan your face; then step 5), with an emulated
document (:mod:`.chip`) and the emulated camera's drawn faces (:mod:`.faces`)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from segl.app.emulator import AppEmulator

from . import faces
from .chip import DocumentFile, EmulatedChip


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


@dataclass
class ProofingEmulator:
    app: AppEmulator
    secret: str = ""
    takes: int = 0

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        return self.app.call(method, f"proofing/{path}", body, headers=headers)

    def start(self) -> dict[str, Any]:
        """Activate → "Activate your segl" → Get started → Passport/ID card."""
        answer = self.call("POST", "")
        self.secret = str(answer["proofing"])
        return answer

    def accept_terms(self) -> dict[str, Any]:
        return self.call("POST", "terms")

    def state(self) -> dict[str, Any]:
        return self.call("GET", "state")

    def scan_document(
        self, document: DocumentFile, *, cpr: str, typed: str | None = None
    ) -> dict[str, Any]:
        """The CPR number and the code on the document (scanned, or ``typed``)."""
        return self.call("POST", "document", {"cpr": cpr, "mrz": typed or document.printed_mrz})

    def read_chip(self, document: DocumentFile) -> dict[str, Any]:
        """Hold the document to the phone: its data groups and EF.SOD, then the chip's answer
        to the challenge segl sent."""
        chip = EmulatedChip(document)
        groups = {str(n): _b64(g) for n, g in document.groups.items()}
        asked = self.call("POST", "chip", {"groups": groups, "sod": _b64(document.sod)})
        answer: dict[str, str] = {}
        if asked["check"] == "active_authentication":
            answer["aa_signature"] = _b64(
                chip.active_authenticate(bytes.fromhex(asked["challenge"]))
            )
        elif asked["check"] == "chip_authentication":
            ephemeral, command = (
                bytes.fromhex(asked["ephemeral_key"]),
                bytes.fromhex(asked["command"]),
            )
            answer["ca_response"] = _b64(chip.chip_authenticate(ephemeral, command))
        return self.call("POST", "chip/answer", answer)

    def scan_face(self, document: DocumentFile, *, same_person: bool = True) -> dict[str, Any]:
        """The camera shows the holder's face, or (``same_person=False``) another person's."""
        seed = document.face_seed if same_person else f"not {document.face_seed}"
        self.takes += 1
        return self.call("POST", "face", {"capture": _b64(faces.capture(seed, self.takes))})

    def prove(
        self, document: DocumentFile, *, cpr: str, same_person: bool = True
    ) -> dict[str, Any]:
        """The whole of step 7; the face's decision at the end."""
        self.start()
        self.accept_terms()
        self.scan_document(document, cpr=cpr)
        self.read_chip(document)
        return self.scan_face(document, same_person=same_person)

    def choose_user_id(self, user_id: str = "", *, restart: bool = False) -> dict[str, Any]:
        return self.call("POST", "identity", {"user_id": user_id, "restart": restart})

    def activate_here(self) -> str:
        """Step 5, "On this phone": segl sends a temporary PIN by SMS; finish with
        :meth:`AppEmulator.finish_activation`."""
        return str(self.call("POST", "app")["activation"])

    def offer_other_phone(self) -> dict[str, Any]:
        """Step 5, "On another phone or tablet": the QR code (``qr``) for the new app."""
        return self.call("POST", "copy")

    def confirm_other_phone(self, copy_id: str, code: str) -> dict[str, Any]:
        return self.call("POST", f"copy/{copy_id}/confirm", {"code": code})

    def activate_device(self, *, serial: str, code: str, password: str) -> dict[str, Any]:
        """Step 5, "Yes, activate": the password, the serial number and the code shown."""
        return self.call("POST", "device", {"serial": serial, "code": code, "password": password})

    def activate_chip(
        self, *, serial: str, password: str, chip: Any, origin: str
    ) -> dict[str, Any]:
        """Step 5, "Yes, activate" a chip: the password and the serial, then the chip's answer
        (an :class:`~segl.emulators.fido_chip.EmulatedChip`, as the browser at ``origin``)."""
        begun = self.call("POST", "security-key", {"serial": serial, "password": password})
        credential = chip.make_credential(begun, origin)
        return self.call(
            "POST",
            "security-key/finish",
            {"challenge": begun["challenge"], "credential": credential},
        )

    def order_device(
        self, *, kind: str, delivery: str, key: str, centre: str = ""
    ) -> dict[str, Any]:
        return self.call(
            "POST", "order", {"kind": kind, "delivery": delivery, "key": key, "centre": centre}
        )
