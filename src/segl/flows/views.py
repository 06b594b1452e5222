"""The login flow's pages (seeds 000, 001). One address per flow shows whatever step the flow is
at, so reloading or going back never confuses it; each POST calls one service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from segl import clock
from segl.authenticators.contract import PASSWORD, AnswerForm, cannot_be_used
from segl.authenticators.models import Kind
from segl.authenticators.registry import kind_of, step_form_class
from segl.core import flows as core
from segl.core.errors import Disabled, FlowExpired, FlowStateError, Locked, SeglError
from segl.core.words import first_up
from segl.http import browser_key, client_ip, rate_limited, user_rate_limited

from . import browser_memory, methods, services
from .forms import MethodForm, PasswordForm, UserIdForm
from .models import Action, Flow

DONE_HEADINGS = {
    Action.LOG_ON: gettext_lazy("You are logged on"),
    Action.APPROVE: gettext_lazy("You have approved"),
    Action.CONFIRM: gettext_lazy("You have confirmed"),
    Action.ACCEPT: gettext_lazy("You have accepted"),
    Action.SIGN: gettext_lazy("You have signed"),
}


def _local_time(when: Any) -> str:
    return time_format(timezone.localtime(when), "H:i")


def _error_page(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "segl/error.html", {"message": message}, status=status)


def stale_page(request: HttpRequest, flow: Flow) -> HttpResponse:
    """A form sent for a step the flow is no longer at (a double submit, the back button, a
    finished or expired login): refused, with nothing changed, and a way on."""
    return render(
        request,
        "flows/stale.html",
        {
            "rp_name": flow.application.name,
            "finished": flow.state.finished,
            "step_url": reverse("flows:step", kwargs={"flow_id": flow.id}),
        },
        status=409,
    )


class FlowView(View):
    """Finds the flow for this browser and turns the flow's refusals into pages.

    A GET loads the flow to show it. A POST goes to a service, which loads the flow under a row
    lock and checks the browser and the step; the view reads the flow first only where it needs
    it (the method's answer form) and again to show an error.
    """

    _flow: Flow | None = None

    @property
    def flow(self) -> Flow:
        if self._flow is None:
            self._flow = services.flow_get(flow_id=self.flow_id, browser_key=self.browser_key)
        return self._flow

    def reload(self) -> Flow:
        self._flow = None
        return self.flow

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.flow_id = flow_id = kwargs["flow_id"]
        self.browser_key = key = browser_key(request)
        if request.method == "POST" and rate_limited(request, "flow"):
            return _error_page(request, _("Too many attempts. Wait a minute and try again."), 429)
        try:
            if request.method != "POST" and (
                not self.flow.state.finished and clock.now() >= self.flow.expires_at
            ):
                self._flow = services.flow_expire(flow_id=flow_id, browser_key=key, now=clock.now())
            return super().dispatch(request, *args, **kwargs)
        except (Flow.DoesNotExist, services.WrongBrowser):
            return _error_page(
                request,
                _(
                    "This login was not found in this browser. Go back to the website and start "
                    "again."
                ),
                404,
            )
        except FlowExpired:
            services.flow_expire(flow_id=flow_id, browser_key=key, now=clock.now())
            return redirect("flows:step", flow_id=flow_id)
        except FlowStateError:
            # A stale form (double submit, back button) or a finished flow: refuse what was
            # sent; a page asked for shows where the flow is.
            if request.method == "POST":
                return stale_page(request, self.reload())
            return redirect("flows:step", flow_id=flow_id)
        except SeglError:
            # Anything else the services refuse (e.g. a method that went away meanwhile).
            return redirect("flows:step", flow_id=flow_id)

    def context(self, **extra: Any) -> dict[str, Any]:
        flow = self.flow
        method_label = Kind(flow.method).label if flow.method else ""
        return {
            "flow": flow,
            "rp_name": flow.application.name,
            "action_label": Action(flow.action).label,
            "method_label": method_label,
            "can_change_method": flow.method and not flow.state.started_method,
            **extra,
        }


class StepView(FlowView):
    """Shows and takes the flow's current step."""

    def get(self, request: HttpRequest, flow_id: str) -> HttpResponse:
        return self.render_step(request)

    def render_step(
        self, request: HttpRequest, form: Any = None, status: int = 200
    ) -> HttpResponse:
        flow = self.flow
        if flow.state.finished:
            return self.render_finished(request)
        if flow.step == core.USER_ID:
            form = form or UserIdForm(initial={"user_id": flow.login_hint})
            return render(request, "flows/user_id.html", self.context(form=form), status=status)
        if flow.step == PASSWORD:
            form = form or PasswordForm()
            return render(request, "flows/password.html", self.context(form=form), status=status)
        if flow.method and flow.step in kind_of(flow.method).steps:
            return kind_of(flow.method).render_step(
                request=request,
                step=methods.step_context(flow, flow.method),
                page=self.context(),
                form=form,
                status=status,
            )
        return _error_page(request, _("This step is not available."), 400)

    def render_finished(self, request: HttpRequest) -> HttpResponse:
        flow = self.flow
        finish_url = reverse("oauth2_provider:finish", kwargs={"flow_id": flow.id})
        if flow.step == core.DONE:
            heading = DONE_HEADINGS[Action(flow.action)]
            response = render(
                request, "flows/done.html", self.context(heading=heading, finish_url=finish_url)
            )
            if flow.identity is not None:
                # The next login from this browser starts with the method that worked.
                browser_memory.remember(
                    request,
                    response,
                    user_id=flow.identity.user_id,
                    method=flow.identity.preferred_method,
                )
            return response
        messages = {
            "expired": _(
                "For your security, a login must be finished within 10 minutes. Go "
                "back to the website and start again."
            ),
            "level_unreachable": _(
                "%(rp)s asks for a higher level of security than your segl "
                "can give. Nothing was approved."
            )
            % {"rp": flow.application.name},
            "identity_inactive": _("Your segl cannot be used right now. Contact segl support."),
            "app_reject": _("You rejected the request in the app. Nothing was approved."),
            "app_fraud": _(
                "You told us that you did not start this. Nothing was approved, and we have "
                "recorded your report. Never approve anything someone asks you to over the "
                "phone."
            ),
            "app_code_wrong": _(
                "A wrong one-time code was entered in the app 3 times, so the login was "
                "cancelled. Go back to the website and start again."
            ),
            "no_authenticator": _(
                "You have no active way to identify yourself. Order a code "
                "display or activate the app."
            ),
        }
        message = (
            _("You cancelled. Nothing was approved.")
            if flow.step == core.CANCELLED
            else messages.get(flow.failure, _("The login could not be finished."))
        )
        return render(
            request,
            "flows/stopped.html",
            self.context(
                message=message, finish_url=finish_url, cancelled=flow.step == core.CANCELLED
            ),
        )

    def post(self, request: HttpRequest, flow_id: str) -> HttpResponse:
        step = request.POST.get("step", "")
        now = clock.now()
        ip = client_ip(request)
        if step == core.USER_ID:
            return self.post_user_id(request, flow_id, now, ip)
        if step != PASSWORD and step_form_class(step) is None:
            self.expect(step)  # a method's own step: its form depends on the flow's method
        form = self.answer_form(step, request)
        if form is None:
            raise FlowStateError(f"the browser does not answer {step!r}")
        if not form.is_valid():
            self.expect(step)
            return self.render_step(request, form)
        try:
            services.flow_submit_step(
                flow_id=flow_id,
                browser_key=self.browser_key,
                step=step,
                response=form.answer(),
                now=now,
                ip=ip,
            )
        except (FlowExpired, FlowStateError):
            raise
        except SeglError as exc:
            self.reload()
            form.add_error(form.field, self.refusal_message(step, exc))
            return self.render_step(request, form)
        return redirect("flows:step", flow_id=flow_id)

    def expect(self, step: str) -> None:
        """Refuse a form for a step the flow is not at (a double submit, the back button)."""
        flow = self.flow
        if flow.state.finished or flow.step != step:
            raise FlowStateError(f"a form for {step!r} while the flow is at {flow.step}")

    def answer_form(self, step: str, request: HttpRequest) -> AnswerForm | None:
        """The form for ``step``. Where every kind answers the step with one form (the code),
        the flow need not be read first: the service checks the step under the flow's lock and
        verifies the answer by the flow's own method."""
        if step == PASSWORD:
            return PasswordForm(request.POST)
        shared = step_form_class(step)
        if shared is not None:
            form: AnswerForm = shared(request.POST)
            return form
        return kind_of(self.flow.method).step_form(step=step, data=request.POST)

    def post_user_id(
        self, request: HttpRequest, flow_id: str, now: datetime, ip: str
    ) -> HttpResponse:
        # The service checks the step under the flow's row lock, so a valid user ID (or
        # password) needs no read of the flow before it; a page shown again does.
        form = UserIdForm(request.POST)
        if not form.is_valid():
            self.expect(core.USER_ID)
            return self.render_step(request, form)
        user_id = form.cleaned_data["user_id"]
        if user_rate_limited(user_id):
            self.expect(core.USER_ID)
            form.add_error("user_id", _("Too many attempts. Wait a minute and try again."))
            return self.render_step(request, form, 429)
        services.flow_submit_user_id(
            flow_id=flow_id,
            browser_key=self.browser_key,
            user_id=user_id,
            now=now,
            ip=ip,
            remembered=browser_memory.recall(request, user_id),
        )
        return redirect("flows:step", flow_id=flow_id)

    def refusal_message(self, step: str, exc: SeglError) -> str:
        if step != PASSWORD:
            if isinstance(exc, services.FlowRefused):
                return cannot_be_used(str(Kind(self.flow.method).label))
            return kind_of(self.flow.method).refusal(step=step, error=exc)
        if isinstance(exc, Locked):
            return _(
                "Your password is locked after too many wrong attempts. You can try "
                "again at %(time)s."
            ) % {"time": _local_time(exc.until)}
        if isinstance(exc, Disabled):
            if kind_of(self.flow.method).steps[0] == PASSWORD:
                # Asked first (the chip's), before anything was proven: the same words for
                # every user ID (decision 17).
                return _(
                    "Your password is blocked after too many wrong attempts. If you have the "
                    "segl app, log in with it to choose a new one. Otherwise, choose a new one "
                    "when you activate a new device on the self-service portal, or at a citizen "
                    "service centre."
                )
            # After the code: whoever is here has proven the device, and may be told what else
            # the identity has.
            if methods.owned_authenticator(self.flow, Kind.APP.value) is not None:
                return _(
                    "Your password is blocked after too many wrong attempts. Log in with the "
                    "segl app to choose a new one, or visit a citizen service centre."
                )
            return _(
                "Your password is blocked after too many wrong attempts. You choose a new one "
                "when you activate a new code display or audio code reader, on the self-service "
                "portal or at a citizen service centre."
            )
        return _("The password is not correct. Try again.")


class MethodView(FlowView):
    """ "Change identification method": every kind segl offers at the requested level, the same
    list for every user ID (decision 17)."""

    def choices(self) -> list[tuple[str, str]]:
        # Each starts a line: capitalised, but "segl-appen" stays in lower case.
        return [
            (kind, first_up(str(Kind(kind).label))) for kind in methods.offered_methods(self.flow)
        ]

    def get(self, request: HttpRequest, flow_id: str) -> HttpResponse:
        state = self.flow.state
        if state.finished or not state.method or state.started_method:
            return redirect("flows:step", flow_id=flow_id)
        form = MethodForm(methods=self.choices(), initial={"method": self.flow.method})
        return render(request, "flows/method.html", self.context(form=form))

    def post(self, request: HttpRequest, flow_id: str) -> HttpResponse:
        state = self.flow.state
        if state.finished or not state.method or state.started_method:
            raise FlowStateError(f"a change of method while the flow is at {state.step}")
        form = MethodForm(request.POST, methods=self.choices())
        if not form.is_valid():
            return render(request, "flows/method.html", self.context(form=form))
        services.flow_change_method(
            flow_id=flow_id,
            browser_key=self.browser_key,
            method=form.cleaned_data["method"],
            now=clock.now(),
            ip=client_ip(request),
        )
        return redirect("flows:step", flow_id=flow_id)


class CancelView(FlowView):
    def post(self, request: HttpRequest, flow_id: str) -> HttpResponse:
        # Cancelling a login that is over would send its outcome to the RP instead: refused.
        services.flow_cancel(
            flow_id=flow_id, browser_key=self.browser_key, now=clock.now(), ip=client_ip(request)
        )
        return redirect("oauth2_provider:finish", flow_id=flow_id)


class RetryView(FlowView):
    """Begin the method's step again ("Send a new request" to the app, after the last one
    expired or was refused). The step page says where the flow stands, "too many requests"
    included; a flow no longer at the step refuses the form, as every step does."""

    def post(self, request: HttpRequest, flow_id: str, prefix: str) -> HttpResponse:
        if self.flow.method and kind_of(self.flow.method).url_prefix != prefix:
            raise FlowStateError(f"a retry for {prefix!r} while the method is {self.flow.method}")
        try:
            services.flow_step_retry(
                flow_id=flow_id,
                browser_key=self.browser_key,
                now=clock.now(),
                ip=client_ip(request),
            )
        except FlowStateError:
            raise
        except SeglError:
            pass  # the step page says why (too many requests, expired)
        return redirect("flows:step", flow_id=flow_id)
