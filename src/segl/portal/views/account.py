"""The citizen's account: password, user ID and mobile number."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from segl import clock
from segl.core.errors import Disabled, Locked, PasswordRejected, WrongPassword
from segl.http import client_ip
from segl.identities.services import IdentityError, identity_phone_set

from .. import auth, services
from ..forms import PasswordChangeForm, PhoneForm, UserIdChangeForm
from ..refusals import refusal
from .common import identity_of, notice, page, posted


@auth.login_required
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    identity = identity_of(request)
    fresh = auth.fresh(request)
    form = PasswordChangeForm(posted(request), fresh=fresh)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_password(
                identity=identity,
                current=None if fresh else form.cleaned_data["current_password"],
                new=form.cleaned_data["new_password"],
                now=clock.now(),
                ip=client_ip(request),
            )
        except Locked as exc:
            form.add_error("current_password", refusal(exc))
        except Disabled:
            form.add_error("current_password", refusal("password_blocked"))
        except WrongPassword:
            form.add_error("current_password", refusal("password_wrong"))
        except PasswordRejected as exc:
            form.reject_password(exc.reason)
        else:
            auth.end_other_logins(request, identity)
            notice(request, _("Your password has been changed."))
            return redirect("portal:home")
    return page(
        request, "password.html", {"form": form, "fresh": fresh}, status=400 if form.errors else 200
    )


@auth.fresh_login_required
@require_http_methods(["GET", "POST"])
def user_id(request: HttpRequest) -> HttpResponse:
    identity = identity_of(request)
    form = UserIdChangeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.change_user_id(
                identity=identity,
                new=form.cleaned_data["user_id"],
                now=clock.now(),
                ip=client_ip(request),
            )
        except IdentityError:
            form.add_error("user_id", refusal("user_id_invalid"))
        except services.PortalRefused as exc:
            form.add_error("user_id", refusal(exc, default="user_id_taken"))
            if exc.reason == "user_id_tries":
                return page(request, "user_id.html", {"form": form}, status=429)
        else:
            auth.end_other_logins(request, identity)
            notice(request, _("Your user ID has been changed."))
            return redirect("portal:home")
    return page(request, "user_id.html", {"form": form}, status=400 if form.errors else 200)


@auth.fresh_login_required
@require_http_methods(["GET", "POST"])
def phone(request: HttpRequest) -> HttpResponse:
    """The mobile number the app's temporary PIN code goes to: whoever can change it can
    activate an app, so it asks for a recent login, as a new user ID does."""
    identity = identity_of(request)
    form = PhoneForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            identity_phone_set(
                identity=identity,
                phone=form.cleaned_data["phone"],
                now=clock.now(),
                actor="citizen",
            )
        except IdentityError as exc:
            form.add_error("phone", refusal(exc))
        else:
            notice(request, _("Your mobile number has been changed."))
            return redirect("portal:home")
    return page(
        request,
        "phone.html",
        {"form": form, "phone": identity.person.phone},
        status=400 if form.errors else 200,
    )
