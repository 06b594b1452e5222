"""What happened with the citizen's segl, and "this was not me"."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from segl import clock
from segl.http import client_ip

from .. import auth, selectors, services
from ..refusals import refusal
from .common import identity_of, notice, page


@auth.login_required
def history(request: HttpRequest) -> HttpResponse:
    return page(request, "history.html", {"activities": selectors.history(identity_of(request))})


@auth.login_required
@require_http_methods(["GET", "POST"])
def not_me(request: HttpRequest, pk: int) -> HttpResponse:
    identity = identity_of(request)
    activity = selectors.activity_own(identity=identity, activity_id=pk)
    if activity is None:
        raise Http404
    if request.method != "POST":
        return page(request, "not_me.html", {"activity": activity})
    try:
        suspended = services.report_not_me(
            identity=identity, activity_id=pk, now=clock.now(), ip=client_ip(request)
        )
    except services.PortalRefused:
        notice(request, refusal("already_reported"))
    else:
        auth.end_other_logins(request, identity)
        notice(
            request,
            _("Thank you. What was used has been blocked and your report has been recorded.")
            if suspended
            else _("Thank you. Your report has been recorded."),
        )
    return redirect("portal:history")
