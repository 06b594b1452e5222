"""Dual control at the desk: the requests waiting at this centre, and approving or refusing one
in one's own login (never one's own request)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from segl import clock
from segl.centres.approvals import approval_decide, waiting_at
from segl.centres.staff import StaffRefused

from ..auth import DESK_STAFF, staff_only
from ..refusals import refusal
from .common import notice, page, staff


@staff_only(*DESK_STAFF)
@require_http_methods(["GET", "POST"])
def approval(request: HttpRequest, pk: int) -> HttpResponse:
    me = staff(request)
    found = next((a for a in waiting_at(me.centre.id, clock.now()) if a.pk == pk), None)
    if found is None:
        raise Http404
    if request.method == "POST":
        approve = request.POST.get("decision") == "approve"
        try:
            approval_decide(
                approval_id=pk,
                approver=me.identity,
                centre=me.centre.id,
                approve=approve,
                now=clock.now(),
            )
        except StaffRefused as exc:
            return page(
                request,
                "approval.html",
                {"approval": found, "error": refusal(exc.reason)},
                status=403,
            )
        found.refresh_from_db()
        notice(request, _("Done: %(status)s.") % {"status": found.get_status_display()})
        return redirect("desk:home")
    return page(request, "approval.html", {"approval": found})
