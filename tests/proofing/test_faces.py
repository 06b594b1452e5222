"""Who decides faces: the demo's comparison of drawn faces, the vendor adapter (against a
vendor's answers, served by httpx's transport for tests), and the review queue."""

from __future__ import annotations

import itertools
import json

import httpx

from segl.emulators import faces
from segl.emulators.faces import DemoFaceVerifier
from segl.proofing.faces import ReviewQueue, VendorHttp

PEOPLE = [f"demo person {n}" for n in range(12)]


def test_the_demo_verifier_matches_the_same_drawn_person_and_doubts_any_other():
    verifier = DemoFaceVerifier()
    for seed in PEOPLE:
        for take in range(3):
            assert (
                verifier.verify(
                    capture=faces.capture(seed, take), portrait=faces.portrait(seed)
                ).decision
                == "match"
            )
    for a, b in itertools.permutations(PEOPLE[:8], 2):
        result = verifier.verify(capture=faces.capture(b), portrait=faces.portrait(a))
        assert result.decision == "review", (a, b)


def test_a_face_is_the_same_for_the_same_seed_and_differs_for_another():
    assert faces.portrait("x") == faces.portrait("x")
    assert faces.capture("x", 1) != faces.capture("x", 2)
    assert faces.difference(faces.portrait("x"), faces.portrait("x")) == 0


def _vendor(answer, status=200):
    seen = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if isinstance(answer, Exception):
            raise answer
        return httpx.Response(status, json=answer)

    return VendorHttp(
        "https://faces.example/verify", "t0k", httpx.Client(transport=httpx.MockTransport(handle))
    ), seen


def test_the_vendor_adapter_sends_both_pictures_and_takes_only_a_confident_live_match():
    verifier, seen = _vendor({"liveness": True, "score": 0.97, "match": True})
    result = verifier.verify(capture=b"live", portrait=b"chip")
    assert result.decision == "match" and result.score == 0.97
    (request,) = seen
    assert request.headers["Authorization"] == "Bearer t0k"
    assert json.loads(request.content) == {"probe": "bGl2ZQ==", "reference": "Y2hpcA=="}


def test_anything_but_a_confident_live_match_goes_to_review():
    doubts = [
        ({"liveness": True, "score": 0.5, "match": True}, 200),
        ({"liveness": False, "score": 0.99, "match": True}, 200),
        ({"liveness": True, "score": 0.99, "match": False}, 200),
        ({"liveness": "yes", "score": 0.99, "match": True}, 200),
        ({"unexpected": 1}, 200),
        ({"liveness": True, "score": 0.99, "match": True}, 500),
        (httpx.ConnectTimeout("slow"), 200),
    ]
    for answer, status in doubts:
        verifier, _ = _vendor(answer, status)
        assert verifier.verify(capture=b"a", portrait=b"b").decision == "review", answer


def test_the_review_queue_sends_every_face_to_review():
    assert ReviewQueue().verify(capture=b"a", portrait=b"b").decision == "review"
