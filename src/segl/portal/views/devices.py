"""The citizen's authenticators (seed 002): rename an app, report one lost, remove one, and
cancel a waiting change."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from segl import clock
from segl.authenticators.models import Authenticator
from segl.http import client_ip
from segl.identities.models import Identity

from .. import auth, selectors, services
from ..forms import RenameForm
from ..refusals import refusal
from .common import identity_of, notice, page, posted

ACTIONS = ("lost", "retire")


def _own(identity: Identity, pk: int) -> Authenticator:
    found = selectors.authenticator_own(identity=identity, authenticator_id=pk)
    if found is None:
        raise Http404
    return found


@auth.login_required
@require_http_methods(["GET", "POST"])
def authenticator(request: HttpRequest, pk: int) -> HttpResponse:
    identity = identity_of(request)
    found = _own(identity, pk)
    form = RenameForm(posted(request), initial={"name": found.name})
    if request.method == "POST" and form.is_valid():
        try:
            services.rename_app(
                identity=identity,
                authenticator_id=pk,
                name=form.cleaned_data["name"],
                now=clock.now(),
                ip=client_ip(request),
            )
        except services.PortalRefused as exc:
            form.add_error("name", refusal(exc, default="not_an_app"))
        else:
            notice(request, _("The name has been changed."))
            return redirect("portal:home")
    return page(
        request,
        "authenticator.html",
        {"authenticator": found, "form": form},
        status=400 if form.errors else 200,
    )


@auth.login_required
@require_http_methods(["GET", "POST"])
def authenticator_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    identity = identity_of(request)
    found = _own(identity, pk)
    if action not in ACTIONS:
        raise Http404
    if request.method != "POST":
        return page(
            request,
            "authenticator_action.html",
            {"authenticator": found, "action": action, "only_one": selectors.is_only_one(found)},
        )
    now, ip = clock.now(), client_ip(request)
    try:
        if action == "lost":
            services.report_lost(identity=identity, authenticator_id=pk, now=now, ip=ip)
        else:
            services.retire(identity=identity, authenticator_id=pk, now=now, ip=ip)
    except services.PortalRefused:
        notice(request, refusal("not_in_use"))
        return redirect("portal:home")
    if action == "lost":
        auth.end_other_logins(request, identity)
        notice(request, _("It has been blocked. Nobody can log in with it any more."))
    else:
        notice(request, _("It has been removed from your segl."))
    return redirect("portal:home")


@auth.login_required
@require_POST
def change_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.cancel_change(
            identity=identity_of(request), change_id=pk, now=clock.now(), ip=client_ip(request)
        )
    except services.PortalRefused:
        raise Http404 from None
    notice(request, _("The change has been cancelled."))
    return redirect("portal:home")
