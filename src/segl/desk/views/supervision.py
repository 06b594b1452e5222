"""For a centre's supervisor: the centre's log (filtered, and as CSV), and who works here in
which role (granted and taken away here, audited)."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from segl import clock
from segl.centres.log import as_csv, centre_log, details
from segl.centres.models import StaffRole
from segl.centres.staff import StaffRefused, staff_grant, staff_list, staff_revoke
from segl.identities.selectors import identity_by_user_id

from ..auth import staff_only
from ..refusals import refusal
from .common import notice, page, staff


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@staff_only("supervisor")
@require_GET
def log(request: HttpRequest) -> HttpResponse:
    me = staff(request)
    filters = {
        "since": _date(request.GET.get("since", "")),
        "until": _date(request.GET.get("until", "")),
        "actor": request.GET.get("actor", "")[:64],
        "action": request.GET.get("action", "")[:64],
    }
    events = centre_log(me.centre.id, **filters)  # type: ignore[arg-type]
    if request.GET.get("format") == "csv":
        response = HttpResponse(as_csv(events), content_type="text/csv; charset=utf-8")
        name = f"segl-{me.centre.id}-{clock.now():%Y%m%d-%H%M}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    rows = [(e, (e.data or {}).get("document", ""), details(e)) for e in events]
    return page(
        request, "log.html", {"rows": rows, "filters": filters, "query": request.GET.urlencode()}
    )


@staff_only("supervisor")
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    me = staff(request)
    error, status = "", 200
    if request.method == "POST":
        user_id, role = request.POST.get("user_id", ""), request.POST.get("role", "")
        identity = identity_by_user_id(user_id) if user_id else None
        try:
            if identity is None:
                raise StaffRefused("unknown_user_id")
            if request.POST.get("action") == "revoke":
                if identity.pk == me.identity.pk:
                    raise StaffRefused("own_role")
                staff_revoke(
                    identity=identity,
                    centre=me.centre.id,
                    role=role,
                    now=clock.now(),
                    actor=me.identity.user_id,
                )
                notice(request, _("The role is taken away."))
            else:
                staff_grant(
                    identity=identity,
                    centre=me.centre.id,
                    role=role,
                    now=clock.now(),
                    actor=me.identity.user_id,
                )
                notice(request, _("The role is granted."))
            return redirect("desk:staff")
        except StaffRefused as exc:
            error, status = refusal(exc.reason), 400
    context = {"rows": staff_list(me.centre.id), "roles": StaffRole.Role.choices, "error": error}
    return page(request, "staff.html", context, status=status)
