"""Who decides whether the live face is the document's: the :class:`FaceVerifier` interface.

A verifier gets the phone camera's capture and the chip's photo (DG2) and answers with a
:class:`FaceResult`: whether the capture is of a live person, a match score, and a decision.
An automatic verifier may only say ``match`` or ``review``; a refusal is always a person's
decision in the review queue, where trained staff see both pictures (two reviewers for a High
result). National schemes buy automatic verification from a vendor; segl ships:

- :class:`ReviewQueue` (``SEGL_FACE_VERIFIER=review``, production's default): every face goes
  to review;
- :class:`VendorHttp` (``vendor``): a vendor's HTTP API (below); anything but a confident live
  match, a timeout or an error included, goes to review;
- the demo's comparison of drawn faces (``demo``, :class:`segl.emulators.faces.DemoFaceVerifier`),
  refused in production.

The vendor API: ``POST SEGL_FACE_VENDOR_URL`` with ``Authorization: Bearer
SEGL_FACE_VENDOR_TOKEN`` and JSON ``{"probe": base64 capture, "reference": base64 DG2 image}``;
the answer ``{"liveness": bool, "score": 0..1, "match": bool}``.
"""

from __future__ import annotations

import base64
import importlib
import logging
from dataclasses import dataclass
from typing import Literal, Protocol

import httpx
from django.conf import settings

log = logging.getLogger(__name__)
Decision = Literal["match", "review"]
VENDOR_MIN_SCORE = 0.9
VENDOR_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class FaceResult:
    live: bool
    score: float | None
    decision: Decision


class FaceVerifier(Protocol):
    name: str

    def verify(self, *, capture: bytes, portrait: bytes) -> FaceResult: ...


class ReviewQueue:
    name = "review"

    def verify(self, *, capture: bytes, portrait: bytes) -> FaceResult:
        return FaceResult(live=False, score=None, decision="review")


class VendorHttp:
    name = "vendor"

    def __init__(self, url: str, token: str, client: httpx.Client | None = None) -> None:
        self.url, self.token = url, token
        self.client = client or httpx.Client(timeout=VENDOR_TIMEOUT_SECONDS)

    def verify(self, *, capture: bytes, portrait: bytes) -> FaceResult:
        body = {
            "probe": base64.b64encode(capture).decode(),
            "reference": base64.b64encode(portrait).decode(),
        }
        try:
            response = self.client.post(
                self.url, json=body, headers={"Authorization": f"Bearer {self.token}"}
            )
            response.raise_for_status()
            answer = response.json()
            live, score, match = answer["liveness"], float(answer["score"]), answer["match"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning(
                "face vendor did not answer (%s): the face goes to review", type(exc).__name__
            )
            return FaceResult(live=False, score=None, decision="review")
        confident = live is True and match is True and score >= VENDOR_MIN_SCORE
        return FaceResult(
            live=live is True, score=score, decision="match" if confident else "review"
        )


def face_verifier() -> FaceVerifier:
    config = settings.CONFIG
    if config.face_verifier == "vendor":
        return VendorHttp(config.face_vendor_url, config.face_vendor_token)
    if config.face_verifier == "demo" and config.demo:
        # The demo's own comparison, loaded by name: the product does not import the demo.
        module = importlib.import_module("segl.emulators.faces")
        verifier: FaceVerifier = module.DemoFaceVerifier()
        return verifier
    return ReviewQueue()
