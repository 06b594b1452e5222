"""The self-service portal (MitID.dk in the seeds): order, follow, activate and manage."""

from __future__ import annotations

import secrets
from typing import Any, cast

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from segl import clock
from segl.authenticators.models import Authenticator
from segl.authenticators.services import DeviceError
from segl.core import ordering
from segl.core.errors import Disabled, Locked, PasswordRejected, SeglError, WrongPassword
from segl.http import client_ip, hit, rate_limited
from segl.identities.models import Activity, Identity, Person
from segl.identities.services import IdentityError, identity_verify_password
from segl.oidc.client import OidcClientError, Pending
from segl.orders import payments
from segl.orders.identification import identification_recover
from segl.orders.models import Order
from segl.orders.services import (
    OrderRefused,
    centres,
    is_operator,
    order_advance,
    order_mark_paid,
    order_place,
    order_quote,
)

from . import auth, services
from .forms import (
    ActivateForm,
    OrderForm,
    PasswordChangeForm,
    RenameForm,
    UserIdChangeForm,
)
from .identification import identify, wait_message

NOTICE = "portal_notice"
DRAFT = "portal_order_draft"
PLACED = "portal_orders"  # orders placed from this browser, which it may follow without a login
USER_ID_TRIES_PER_HOUR = 10


def _identity(request: HttpRequest) -> Identity:
    return cast(Identity, request.identity)  # type: ignore[attr-defined]


def _posted(request: HttpRequest) -> Any:
    """The submitted form, also when it came empty; None for a GET (an unbound form)."""
    return request.POST if request.method == "POST" else None


def _notice(request: HttpRequest, text: str) -> None:
    request.session[NOTICE] = text


def _render(
    request: HttpRequest, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HttpResponse:
    base = {
        "identity": auth.current(request),
        "notice": request.session.pop(NOTICE, ""),
    }
    return render(request, f"portal/{template}", {**base, **(context or {})}, status=status)


# -- logging in (the portal is an RP of segl) ---------------------------------------------------


def home(request: HttpRequest) -> HttpResponse:
    identity = auth.current(request)
    if identity is None:
        return _render(
            request, "landing.html", {"next": auth.safe_next(request, request.GET.get("next"))}
        )
    orders = Order.objects.filter(person=identity.person).order_by("-created_at")[:10]
    return _render(
        request,
        "overview.html",
        {
            "authenticators": services.authenticators_of(identity),
            "needs_backup": services.needs_backup(identity),
            "changes": services.pending_changes(identity),
            "orders": orders,
            "operator": is_operator(identity),
        },
    )


@require_POST
def login(request: HttpRequest) -> HttpResponse:
    auth.ensure_registered()
    try:
        url, pending = auth.client().authorization_url(acr_values=auth.LEVEL.uri)
    except OidcClientError:
        return _render(
            request,
            "landing.html",
            {"error": _("segl could not be reached. Try again in a moment.")},
            status=503,
        )
    request.session[auth.PENDING] = {
        **pending.as_dict(),
        "next": auth.safe_next(request, request.POST.get("next")),
    }
    return redirect(url)


def callback(request: HttpRequest) -> HttpResponse:
    raw = request.session.pop(auth.PENDING, None)
    if not isinstance(raw, dict):
        return _render(
            request,
            "landing.html",
            {"error": _("The login was not started here. Try again.")},
            status=400,
        )
    target = raw.pop("next", reverse("portal:home"))
    try:
        claims = auth.client().finish(pending=Pending(**raw), params=request.GET.dict())
    except OidcClientError as exc:
        message = (
            _("The login was cancelled.")
            if exc.error == "access_denied"
            else _("The login did not complete. Try again.")
        )
        return _render(request, "landing.html", {"error": message}, status=400)
    if (identity := auth.sign_in(request, claims)) is None:
        return _render(
            request,
            "landing.html",
            {"error": _("The self-service portal needs a login at level Substantial.")},
            status=403,
        )
    identification_recover(person=identity.person, now=clock.now(), ip=client_ip(request))
    return redirect(target)


@require_POST
def logout(request: HttpRequest) -> HttpResponse:
    auth.sign_out(request)
    _notice(request, _("You are logged out."))
    return redirect("portal:home")


# -- ordering ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def order(request: HttpRequest) -> HttpResponse:
    identity = auth.current(request)
    initial = {"kind": request.GET.get("kind", "")}
    form = OrderForm(_posted(request), initial=initial, logged_in=identity is not None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person: Person | None = identity.person if identity else None
        identified_by = Order.IdentifiedBy.LOGIN if identity else data["identify"]
        if identified_by == Order.IdentifiedBy.PASSPORT:
            if rate_limited(request, "portal-identify"):
                form.add_error(None, _("Too many requests. Wait a minute and try again."))
                return _render(request, "order.html", {"form": form}, status=429)
            person, status = identify(request, form)
            if person is None:
                return _render(request, "order.html", {"form": form}, status=status)
        anonymous = person is None
        if person is not None and data["delivery"] == "post" and not person.address.strip():
            form.add_error(
                "delivery",
                _(
                    "We have no address for you in the people register. Choose to collect it "
                    "at a citizen service centre."
                ),
            )
            return _render(request, "order.html", {"form": form}, status=400)
        request.session[DRAFT] = {
            "key": secrets.token_urlsafe(24),
            "kind": data["kind"],
            "identified_by": identified_by,
            "person": person.pk if person else None,
            "delivery": data["delivery"],
            "centre": data.get("centre") or "",
            # An identified person's device goes to their address in the register.
            "recipient": (data.get("recipient") or "").strip() if anonymous else "",
            "address": (data.get("address") or "").strip() if anonymous else "",
            "country": (data.get("country") or "DK") if anonymous else "",
        }
        return redirect("portal:order_confirm")
    status = 400 if request.method == "POST" else 200
    return _render(request, "order.html", {"form": form}, status=status)


def _draft_view(draft: dict[str, Any]) -> dict[str, Any]:
    person = Person.objects.filter(pk=draft["person"]).first() if draft["person"] else None
    country = person.country if person else draft["country"]
    price, (earliest, latest) = order_quote(
        kind=draft["kind"],
        person=person,
        delivery=draft["delivery"],
        country=country,
        now=clock.now(),
    )
    draft["price"] = price  # the price shown is the price the order is placed at
    return {
        "draft": draft,
        "person": person,
        "kind_label": dict(Order.Kind.choices)[draft["kind"]],
        "price_ore": price,
        "earliest": earliest,
        "latest": latest,
        "centre": centres().get(draft["centre"]),
        "recipient": person.name if person else draft["recipient"],
        "address": person.address if person else draft["address"],
        # Someone who gave a CPR number and a passport number does not see the address.
        "show_address": draft["identified_by"] != Order.IdentifiedBy.PASSPORT,
        "abroad": draft["delivery"] == Order.Delivery.POST and country != "DK",
    }


@require_http_methods(["GET", "POST"])
def order_confirm(request: HttpRequest) -> HttpResponse:
    draft = request.session.get(DRAFT)
    placed: dict[str, str] = request.session.get(PLACED, {})
    key = request.POST.get("key", "")
    if request.method == "POST" and key in placed:
        # The same form sent again (a double click): the order that was placed.
        return redirect("portal:order_status", reference=placed[key])
    if not isinstance(draft, dict):
        return redirect("portal:order")
    shown_price = draft.get("price")
    context = _draft_view(draft)
    request.session[DRAFT] = draft
    if request.method == "POST":
        if shown_price is None or not secrets.compare_digest(key, draft["key"]):
            return redirect("portal:order_confirm")
        if rate_limited(request, "portal-order"):
            message = _("Too many requests. Wait a minute and try again.")
            return _render(request, "order_confirm.html", {**context, "error": message}, status=429)
        identity = auth.current(request)
        if draft["identified_by"] == Order.IdentifiedBy.LOGIN and (
            identity is None or identity.person.pk != draft["person"]
        ):
            return redirect("portal:order")
        try:
            placed_order = order_place(
                key=draft["key"],
                kind=draft["kind"],
                person=context["person"],
                identified_by=draft["identified_by"],
                delivery=draft["delivery"],
                recipient=draft["recipient"],
                address=draft["address"],
                country=draft["country"],
                centre=draft["centre"],
                now=clock.now(),
                actor=identity.user_id if identity else "citizen",
                ip=client_ip(request),
                expected_price=shown_price,
            )
        except OrderRefused as exc:
            if exc.reason == "price_changed":
                message = _("The price has changed since you saw it. Check it and confirm again.")
                return _render(
                    request, "order_confirm.html", {**context, "error": message}, status=409
                )
            return _render(
                request,
                "order_confirm.html",
                {
                    **context,
                    "error": _("The order could not be placed. Check the details and try again."),
                },
                status=400,
            )
        placed[draft["key"]] = placed_order.reference
        request.session[PLACED] = placed
        request.session.pop(DRAFT, None)
        status_url = reverse("portal:order_status", args=[placed_order.reference])
        if placed_order.payment == Order.Payment.INVOICED:
            start = payments.provider().start(
                placed_order, return_url=request.build_absolute_uri(status_url)
            )
            if start.redirect_url:
                return redirect(start.redirect_url)
        return redirect(status_url)
    return _render(request, "order_confirm.html", context)


def _viewable_order(request: HttpRequest, reference: str) -> Order:
    """An order the logged-in person placed, or one placed from this browser."""
    found = (
        Order.objects.select_related("device", "person").filter(reference=reference.upper()).first()
    )
    identity = auth.current(request)
    mine = found is not None and (
        (identity is not None and found.person_id == identity.person.pk)
        or found.reference in request.session.get(PLACED, {}).values()
    )
    if found is None or not mine:
        raise Http404
    return found


def order_status(request: HttpRequest, reference: str) -> HttpResponse:
    found = _viewable_order(request, reference)
    return _render(
        request,
        "order_status.html",
        {
            "order": found,
            "events": list(found.events.all()),
            "centre": centres().get(found.centre),
            "cancellable": found.status in ordering.CANCELLABLE,
        },
    )


@require_POST
def order_cancel(request: HttpRequest, reference: str) -> HttpResponse:
    """The citizen cancels an order that has not left yet."""
    found = _viewable_order(request, reference)
    identity = auth.current(request)
    try:
        order_advance(
            reference=found.reference,
            to=Order.Status.CANCELLED,
            now=clock.now(),
            actor=identity.user_id if identity else "citizen",
            ip=client_ip(request),
        )
    except OrderRefused:
        _notice(request, _("The order has left and can no longer be cancelled."))
    else:
        _notice(request, _("The order has been cancelled."))
    return redirect("portal:order_status", reference=found.reference)


# -- activation ----------------------------------------------------------------------------------


def activate(request: HttpRequest) -> HttpResponse:
    return _render(request, "activate_choice.html")


@require_http_methods(["GET", "POST"])
def activate_device(request: HttpRequest) -> HttpResponse:
    identity = auth.current(request)
    form = ActivateForm(_posted(request), logged_in=identity is not None)
    if request.method != "POST" or not form.is_valid():
        return _render(
            request,
            "activate.html",
            {"form": form},
            status=400 if request.method == "POST" else 200,
        )
    data, now, ip = form.cleaned_data, clock.now(), client_ip(request)
    if rate_limited(request, "portal-activate"):
        form.add_error(None, _("Too many requests. Wait a minute and try again."))
        return _render(request, "activate.html", {"form": form}, status=429)
    logged_in = identity is not None
    if identity is None:
        person, status = identify(request, form)
        if person is None:
            return _render(request, "activate.html", {"form": form}, status=status)
        identity = Identity.objects.filter(person=person).first()
        if identity is None or not identity.is_active:
            form.add_error(
                None,
                _(
                    "You have no segl to add the device to. "
                    "Visit a citizen service centre (Borgerservice) to get one."
                ),
            )
            return _render(request, "activate.html", {"form": form}, status=400)
    try:
        done = services.activate_device(
            identity=identity,
            serial=data["serial"],
            code=data["code"],
            password=data["new_password"],
            now=now,
            logged_in=logged_in,
            ip=ip,
        )
    except PasswordRejected as exc:
        form.reject_password(exc.reason)
    except Locked as exc:
        form.add_error("code", wait_message(exc))
    except Disabled:
        form.add_error("code", _("This device is blocked. Contact a citizen service centre."))
    except DeviceError as exc:
        refusals = {
            "unknown_serial": _(
                "We do not know a device with this serial number that has been sent out. "
                "Check the number on the back."
            ),
            "login_needed": _(
                "This device was ordered without identification. Log in with segl to "
                "activate it, or have it activated at a citizen service centre."
            ),
            "not_yours": _(
                "This device was sent to someone else. "
                "Only the person it was sent to can activate it."
            ),
        }
        form.add_error(
            "serial",
            refusals.get(
                exc.reason, _("This device cannot be activated. Contact a citizen service centre.")
            ),
        )
    except SeglError:
        form.add_error(
            "code", _("The one-time code is not correct. Press the button and enter the new code.")
        )
    else:
        return _render(
            request,
            "activated.html",
            {"authenticator": done.authenticator, "retired": done.retired_serials},
        )
    return _render(request, "activate.html", {"form": form}, status=400)


# -- managing authenticators ----------------------------------------------------------------------


def _own(identity: Identity, pk: int) -> Authenticator:
    found = (
        Authenticator.objects.select_related("device", "app")
        .filter(pk=pk, identity=identity)
        .first()
    )
    if found is None:
        raise Http404
    return found


@auth.login_required
@require_http_methods(["GET", "POST"])
def authenticator(request: HttpRequest, pk: int) -> HttpResponse:
    identity = _identity(request)
    found = _own(identity, pk)
    form = RenameForm(_posted(request), initial={"name": found.name})
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
            form.add_error(
                "name",
                _("Enter a name of 1 to 64 characters")
                if exc.reason == "name_length"
                else _("Only an app in use can be renamed"),
            )
        else:
            _notice(request, _("The name has been changed."))
            return redirect("portal:home")
    return _render(
        request,
        "authenticator.html",
        {"authenticator": found, "form": form},
        status=400 if form.errors else 200,
    )


@auth.login_required
@require_http_methods(["GET", "POST"])
def authenticator_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    identity = _identity(request)
    found = _own(identity, pk)
    if action not in ("lost", "retire"):
        raise Http404
    if request.method == "POST":
        try:
            if action == "lost":
                services.report_lost(
                    identity=identity,
                    authenticator_id=pk,
                    now=clock.now(),
                    ip=client_ip(request),
                )
                auth.end_other_logins(request, identity)
                _notice(request, _("It has been blocked. Nobody can log in with it any more."))
            else:
                services.retire(
                    identity=identity,
                    authenticator_id=pk,
                    now=clock.now(),
                    ip=client_ip(request),
                )
                _notice(request, _("It has been removed from your segl."))
        except services.PortalRefused:
            _notice(request, _("Nothing was changed: it is not in use."))
        return redirect("portal:home")
    only_one = found.status == Authenticator.Status.ACTIVE and services.needs_backup(identity)
    return _render(
        request,
        "authenticator_action.html",
        {"authenticator": found, "action": action, "only_one": only_one},
    )


@auth.login_required
@require_http_methods(["GET", "POST"])
def password(request: HttpRequest) -> HttpResponse:
    identity = _identity(request)
    fresh = auth.fresh(request)
    form = PasswordChangeForm(_posted(request), fresh=fresh)
    if request.method == "POST" and form.is_valid():
        now, ip = clock.now(), client_ip(request)
        try:
            if not fresh:
                identity_verify_password(
                    identity_id=identity.pk,
                    password=form.cleaned_data["current_password"],
                    now=now,
                    ip=ip,
                )
            services.change_password(
                identity=identity, new=form.cleaned_data["new_password"], now=now, ip=ip
            )
        except Locked as exc:
            form.add_error("current_password", wait_message(exc))
        except Disabled:
            form.add_error(
                "current_password",
                _(
                    "Your password is blocked after too many wrong attempts. Log in with the "
                    "segl app to choose a new one, or visit a citizen service centre."
                ),
            )
        except WrongPassword:
            form.add_error("current_password", _("The password is not correct"))
        except PasswordRejected as exc:
            form.reject_password(exc.reason)
        else:
            auth.end_other_logins(request, identity)
            _notice(request, _("Your password has been changed."))
            return redirect("portal:home")
    return _render(
        request, "password.html", {"form": form, "fresh": fresh}, status=400 if form.errors else 200
    )


@auth.fresh_login_required
@require_http_methods(["GET", "POST"])
def user_id(request: HttpRequest) -> HttpResponse:
    identity = _identity(request)
    form = UserIdChangeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        # Whether a user ID is taken is worth knowing to someone guessing them: a few an hour.
        if hit(f"portal-user-id:{identity.pk}", USER_ID_TRIES_PER_HOUR, window=3600):
            form.add_error("user_id", _("You have tried many user IDs. Try again in an hour."))
            return _render(request, "user_id.html", {"form": form}, status=429)
        try:
            services.change_user_id(
                identity=identity,
                new=form.cleaned_data["user_id"],
                now=clock.now(),
                ip=client_ip(request),
            )
        except IdentityError:
            form.add_error("user_id", _("Use 4 to 64 letters, digits and . - _ #"))
        except services.PortalRefused as exc:
            form.add_error(
                "user_id",
                _("This is already your user ID")
                if exc.reason == "user_id_same"
                else _("This user ID is taken. Choose another."),
            )
        else:
            auth.end_other_logins(request, identity)
            _notice(request, _("Your user ID has been changed."))
            return redirect("portal:home")
    return _render(request, "user_id.html", {"form": form}, status=400 if form.errors else 200)


@auth.login_required
@require_POST
def change_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        services.cancel_change(
            identity=_identity(request), change_id=pk, now=clock.now(), ip=client_ip(request)
        )
    except services.PortalRefused:
        raise Http404 from None
    _notice(request, _("The change has been cancelled."))
    return redirect("portal:home")


# -- history -------------------------------------------------------------------------------------


@auth.login_required
def history(request: HttpRequest) -> HttpResponse:
    return _render(request, "history.html", {"activities": services.history(_identity(request))})


@auth.login_required
@require_http_methods(["GET", "POST"])
def not_me(request: HttpRequest, pk: int) -> HttpResponse:
    identity = _identity(request)
    activity = (
        Activity.objects.select_related("authenticator__device")
        .filter(pk=pk, identity=identity)
        .first()
    )
    if activity is None:
        raise Http404
    if request.method == "POST":
        try:
            suspended = services.report_not_me(
                identity=identity, activity_id=pk, now=clock.now(), ip=client_ip(request)
            )
        except services.PortalRefused:
            _notice(request, _("You have already reported this."))
        else:
            auth.end_other_logins(request, identity)
            _notice(
                request,
                _("Thank you. What was used has been blocked and your report has been recorded.")
                if suspended
                else _("Thank you. Your report has been recorded."),
            )
        return redirect("portal:history")
    return _render(request, "not_me.html", {"activity": activity})


# -- fulfilment (operators) -----------------------------------------------------------------------


@auth.login_required
@require_http_methods(["GET", "POST"])
def fulfilment(request: HttpRequest) -> HttpResponse:
    identity = _identity(request)
    if not is_operator(identity):
        return _render(request, "forbidden.html", status=403)
    error = ""
    if request.method == "POST":
        reference, step = request.POST.get("reference", ""), request.POST.get("to", "")
        ip = client_ip(request)
        try:
            if step == "paid":
                order_mark_paid(reference=reference, now=clock.now(), actor=identity.user_id, ip=ip)
            else:
                order_advance(
                    reference=reference, to=step, now=clock.now(), actor=identity.user_id, ip=ip
                )
        except OrderRefused as exc:
            reasons = {
                "unpaid": _("The invoice has not been paid."),
                "out_of_stock": _("There is no device of this kind in stock."),
                "step": _("The order cannot take that step from where it is."),
            }
            error = reasons.get(exc.reason, _("The order could not be changed."))
        else:
            _notice(request, _("Order %(ref)s updated.") % {"ref": reference})
            return redirect("portal:fulfilment")
    open_orders = (
        Order.objects.select_related("device")
        .exclude(status__in=["delivered", "collected", "cancelled"])
        .order_by("created_at")[:200]
    )
    rows = [(o, ordering.next_steps(o.status, delivery=o.delivery)) for o in open_orders]
    return _render(
        request,
        "fulfilment.html",
        {"rows": rows, "error": error, "status_labels": dict(Order.Status.choices)},
        status=400 if error else 200,
    )
