"""The review queue: trained staff at a citizen service centre decide the faces an automatic
verifier did not (or, with ``SEGL_FACE_VERIFIER=review``, every face). A reviewer sees the live
capture beside the chip's photo and says whether they are the same person. One "not the same"
refuses; a High result takes two different reviewers who each looked at both pictures and
said "the same" (one, where the result can be at most Substantial: a chip that could not prove
its key, or a capture whose liveness the verifier did not establish). The citizen is told by
SMS either way.
Once decided, both pictures are deleted; the decision, the reviewers and the time are kept.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction

from segl.audit.services import audit_record
from segl.notify.notices import tell

from .models import Proofing
from .services import PROOFING_MINUTES, ProofingRefused, confirm, end_refused, unseal

REVIEWERS_FOR_HIGH = 2
# A citizen confirmed by review has a day to come back to the app and finish.
AFTER_REVIEW = timedelta(days=1)


def reviews_waiting() -> list[Proofing]:
    return list(Proofing.objects.filter(state=Proofing.State.REVIEW).order_by("created_at"))


def _waiting(proofing_id: str) -> Proofing:
    proofing = (
        Proofing.objects.select_for_update(of=("self",))  # a proofing may have no person
        .select_related("person")
        .filter(pk=str(proofing_id)[:22])
        .first()
    )
    if proofing is None or proofing.state != Proofing.State.REVIEW:
        raise ProofingRefused("review_unknown")
    return proofing


def _reviewer(name: str) -> str:
    """A reviewer's name as compared: "Alice" and " alice" are one reviewer."""
    reviewer = " ".join(str(name).split()).casefold()
    if not reviewer:
        raise ProofingRefused("reviewer_missing")
    return reviewer


def review_pictures(
    *, proofing_id: str, reviewer: str, now: datetime, centre: str = ""
) -> tuple[bytes, bytes]:
    """The live capture and the chip's photo, for ``reviewer`` to compare (audited, with the
    ``centre`` of a reviewer at a desk); a reviewer decides only a face they have looked at."""
    reviewer = _reviewer(reviewer)
    with transaction.atomic():
        proofing = _waiting(proofing_id)
        if reviewer not in proofing.viewed_by:
            proofing.viewed_by = [*proofing.viewed_by, reviewer]
            proofing.save(update_fields=["viewed_by"])
        where = {"centre": centre} if centre else {}
        audit_record(
            action="proofing.review_view",
            actor=reviewer,
            data={"proofing": proofing.id, **where},
            at=now,
        )
        return unseal(proofing, "capture", proofing.capture), unseal(
            proofing, "portrait", proofing.portrait
        )


def review_decide(
    *, proofing_id: str, reviewer: str, same_person: bool, now: datetime, centre: str = ""
) -> str:
    """One reviewer's decision: ``"refused"``, ``"confirmed"`` or ``"second_reviewer"`` (a
    High result waits for another reviewer)."""
    reviewer = _reviewer(reviewer)
    with transaction.atomic():
        proofing = _waiting(proofing_id)
        if reviewer not in proofing.viewed_by:
            raise ProofingRefused("reviewer_not_viewed")
        decided = list(proofing.face_decided_by)
        if any(entry["by"] == reviewer for entry in decided):
            raise ProofingRefused("reviewer_twice")
        decided.append({"by": reviewer, "same_person": same_person, "at": now.isoformat()})
        person = proofing.person
        if not same_person:
            proofing.face_decided_by, proofing.face_decision = decided, "no_match"
            end_refused(proofing, "face_no_match", now)
            outcome = "refused"
        elif proofing.clone_check != "none" and proofing.live and len(decided) < REVIEWERS_FOR_HIGH:
            proofing.face_decided_by = decided
            proofing.save(update_fields=["face_decided_by"])
            outcome = "second_reviewer"
        else:
            confirm(proofing, decided_by=decided, now=now)
            proofing.expires_at = now + max(AFTER_REVIEW, timedelta(minutes=PROOFING_MINUTES))
            proofing.save(update_fields=["expires_at"])
            outcome = "confirmed"
        audit_record(
            action="proofing.review",
            outcome=outcome,
            actor=reviewer,
            data={
                "proofing": proofing.id,
                "same_person": same_person,
                **({"centre": centre} if centre else {}),
            },
            at=now,
        )
        if person is not None and outcome != "second_reviewer":
            tell(person, f"proofing_{outcome}", now=now)
    return outcome


REVIEW_DAYS = 7  # a face waits this long for its reviewers, then the proofing is refused


def proofings_purge(*, now: datetime, keep: timedelta) -> dict[str, int]:
    """Refuse faces that waited longer than a week for review (the citizen is told), and
    delete proofings that ended or expired more than ``keep`` ago and a day after they began
    (the limits count a day's): what they sealed goes with them. ``ProofingRecord`` stays."""
    stale = 0
    for proofing_id in Proofing.objects.filter(
        state=Proofing.State.REVIEW, created_at__lt=now - timedelta(days=REVIEW_DAYS)
    ).values_list("pk", flat=True):
        with transaction.atomic():
            proofing = _waiting(proofing_id)
            end_refused(proofing, "review_expired", now)
            if proofing.person is not None:
                tell(proofing.person, "proofing_refused", now=now)
            stale += 1
    done = Proofing.objects.exclude(state=Proofing.State.REVIEW).filter(
        expires_at__lt=now - keep, created_at__lt=now - max(keep, timedelta(days=1))
    )
    deleted, _ = done.delete()
    return {"proofings_deleted": deleted, "reviews_expired": stale}
