"""Face reviews at the desk: the proofing queue's faces (a live capture beside the chip's photo)
decided by trained staff in their own login; the reviewer is the staff member's user ID."""

from __future__ import annotations

import base64

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from segl import clock
from segl.proofing.review import review_decide, review_pictures, reviews_waiting
from segl.proofing.services import ProofingRefused

from ..auth import DESK_STAFF, staff_only
from ..refusals import refusal
from .common import notice, page, staff


@staff_only(*DESK_STAFF)
@require_GET
def reviews(request: HttpRequest) -> HttpResponse:
    return page(request, "reviews.html", {"waiting": reviews_waiting()})


def _picture(data: bytes) -> str:
    kind = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
    return f"data:{kind};base64,{base64.b64encode(data).decode()}"


@staff_only(*DESK_STAFF)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, proofing_id: str) -> HttpResponse:
    reviewer = staff(request).identity.user_id
    error = ""
    if request.method == "POST":
        try:
            outcome = review_decide(
                proofing_id=proofing_id,
                reviewer=reviewer,
                same_person=request.POST.get("decision") == "same",
                now=clock.now(),
                centre=staff(request).centre.id,
            )
        except ProofingRefused as exc:
            if exc.reason == "review_unknown":
                raise Http404 from None
            error = refusal(exc.reason)
        else:
            notice(
                request,
                {
                    "confirmed": _("Confirmed. The citizen is told."),
                    "refused": _("Refused. The citizen is told."),
                    "second_reviewer": _("Thank you. A second reviewer decides next."),
                }[outcome],
            )
            return redirect("desk:reviews")
    try:
        capture, portrait = review_pictures(
            proofing_id=proofing_id,
            reviewer=reviewer,
            now=clock.now(),
            centre=staff(request).centre.id,
        )
    except ProofingRefused:
        raise Http404 from None
    context = {"capture": _picture(capture), "portrait": _picture(portrait), "error": error}
    return page(request, "review.html", context, status=400 if error else 200)
