"""Driving a login flow: each service loads the flow under a row lock, checks the browser that
started it, applies one core transition, and persists the new state with its audit event.

Nothing a login shows before the citizen has proven something depends on what the identity
has (decision 17): the first method comes from the browser (``methods.first_method``), every
kind segl offers can be chosen, and a method the user ID has no authenticator of (every
method, for an unknown user ID) runs a *decoy* step (``decoys``) that looks and fails like the
real one and never succeeds. The requested level is checked when a method is chosen and again
at the end.
"""

from __future__ import annotations

import contextlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from oauth2_provider.models import Application

from segl import prepared
from segl.audit.services import audit_record
from segl.authenticators.contract import PASSWORD, browser_key_hash
from segl.authenticators.models import Authenticator
from segl.authenticators.registry import kind_of
from segl.core import flows as core
from segl.core.assurance import Level, achieved
from segl.core.errors import SeglError
from segl.identities.models import Activity, Identity
from segl.prepared import Prepared

from . import decoys, methods, steps

# Raised by the services; callers catch them from here.
from .errors import FlowRefused as FlowRefused
from .errors import WrongBrowser as WrongBrowser
from .models import Action, Flow, UnknownUserThrottle


@dataclass(frozen=True)
class FlowResult:
    """What a finished login proved, for the ID token."""

    identity: Identity
    method: str
    amr: tuple[str, ...]
    ial: Level
    aal: Level
    acr: Level
    auth_time: datetime


def flow_start(
    *,
    application: Application,
    authorize_uri: str,
    scopes: list[str],
    credentials: dict[str, Any],
    approval_text: str,
    action: str,
    requested_level: Level | None,
    login_hint: str,
    browser_key: str,
    now: datetime,
    ip: str = "",
) -> Flow:
    state = core.start(now=now, lifetime=timedelta(minutes=settings.CONFIG.flow_minutes))
    flow = Flow(
        id=secrets.token_urlsafe(18),
        application=application,
        authorize_uri=authorize_uri,
        scopes=scopes,
        credentials=credentials,
        approval_text=approval_text,
        action=action or Action.LOG_ON,
        requested_level=requested_level.key if requested_level else "",
        login_hint=login_hint[:64],
        browser_key_hash=browser_key_hash(browser_key),
        created_at=now,
    )
    flow.apply(state)
    with transaction.atomic():
        flow.save(force_insert=True)
        audit_record(
            action="flow.start",
            actor=application.client_id,
            ip=ip,
            data={"flow": flow.id, "action": flow.action, "level": flow.requested_level},
            at=now,
        )
    return flow


# The flow with its identity and application, as every step reads it: compiled once.
_FLOW = Prepared(
    lambda pk: Flow.objects.select_related("identity", "application").filter(pk=pk), pk=str
)
_LOCKED_FLOW = Prepared(
    lambda pk: (
        Flow.objects.select_for_update(of=("self",))
        .select_related("identity", "application")
        .filter(pk=pk)
    ),
    pk=str,
)


def _locked_flow(flow_id: str, browser_key: str) -> Flow:
    flow = _LOCKED_FLOW.get(pk=flow_id)
    if not hmac.compare_digest(flow.browser_key_hash, browser_key_hash(browser_key)):
        raise WrongBrowser("the flow belongs to another browser")
    return flow


def flow_get(*, flow_id: str, browser_key: str) -> Flow:
    flow = _FLOW.get(pk=flow_id)
    if not hmac.compare_digest(flow.browser_key_hash, browser_key_hash(browser_key)):
        raise WrongBrowser("the flow belongs to another browser")
    return flow


STATE_FIELDS = [
    "step",
    "expires_at",
    "method",
    "remaining",
    "amr",
    "failure",
    "finished_at",
    "identity",
    "decoy",
    "decoy_key",
    "user_id_typed",
    "authenticator",
]


def _save(flow: Flow, state: core.FlowState, now: datetime) -> None:
    flow.apply(state)
    if state.finished and flow.finished_at is None:
        flow.finished_at = now
    prepared.save(flow, update_fields=STATE_FIELDS)


def flow_submit_user_id(
    *,
    flow_id: str,
    browser_key: str,
    user_id: str,
    now: datetime,
    ip: str = "",
    remembered: str = "",
) -> Flow:
    """Take the user ID and enter the first method: ``remembered`` (the method this browser last
    logged in with as this user ID) if it is offered, else the default. What the identity has
    plays no part; only a suspended or revoked identity is told so here."""
    with transaction.atomic():
        flow = _locked_flow(flow_id, browser_key)
        core.expect(flow.state, core.USER_ID, now=now)
        identity = Identity.objects.filter(user_id__iexact=user_id.strip()).first()
        flow.decoy_key = decoys.user_key(user_id)
        flow.user_id_typed = user_id.strip()[:64]
        if identity is not None and not identity.is_active:
            audit_record(
                action="flow.user_id",
                outcome="identity_" + identity.status,
                subject=identity.user_id,
                ip=ip,
                data={"flow": flow.id},
                at=now,
            )
            _save(flow, core.fail(flow.state, now=now, reason="identity_inactive"), now)
            return flow
        flow.identity, flow.decoy = identity, identity is None
        audit_record(
            action="flow.user_id",
            outcome="unknown" if flow.decoy else "ok",
            subject=user_id.strip()[:64],
            ip=ip,
            data={"flow": flow.id},
            at=now,
        )
        method = methods.first_method(flow, remembered=remembered)
        if method is None:  # no kind segl offers reaches the level: the same for every user ID
            _save(flow, core.fail(flow.state, now=now, reason="level_unreachable"), now)
            return flow
        _save(
            flow,
            core.identify(flow.state, now=now, method=method, steps=kind_of(method).steps),
            now,
        )
        _begin(flow, now, ip)
    return flow


def _begin(flow: Flow, now: datetime, ip: str, *, quiet: bool = True) -> None:
    """Let the method prepare its first step: the real one if the user ID has such an
    authenticator, else its decoy. A method that cannot (the app refuses a flood of requests)
    says so on its page, which offers to try again; the flow itself goes on."""
    kind = kind_of(flow.method)
    step = methods.step_context(flow, flow.method)
    with contextlib.suppress(*((SeglError,) if quiet else ())), transaction.atomic():
        if step.authenticator_id is not None:
            kind.begin(step=step, now=now, ip=ip)
        else:
            kind.begin_decoy(step=step, now=now, ip=ip)


def flow_change_method(
    *, flow_id: str, browser_key: str, method: str, now: datetime, ip: str = ""
) -> Flow:
    """ "Change identification method": any kind segl offers at the requested level, whether
    or not the identity has one. It becomes the preferred method once a login with it succeeds.
    """
    with transaction.atomic():
        flow = _locked_flow(flow_id, browser_key)
        if method not in methods.offered_methods(flow):
            raise FlowRefused("method_unavailable")
        _save(
            flow,
            core.change_method(flow.state, now=now, method=method, steps=kind_of(method).steps),
            now,
        )
        _begin(flow, now, ip)
    return flow


def flow_submit_step(
    *, flow_id: str, browser_key: str, step: str, response: str, now: datetime, ip: str = ""
) -> Flow:
    """Verify the response to the method's current step (a one-time code, a password); a
    method the user ID has no authenticator of gets its decoy's answer."""
    failure: SeglError | None = None
    with transaction.atomic():
        flow = _locked_flow(flow_id, browser_key)
        core.expect(flow.state, step, now=now)
        kind = kind_of(flow.method)
        try:
            steps.verify_answer(flow, step, response, now=now, ip=ip)
        except SeglError as exc:
            failure = exc
        else:
            _save(flow, _passed(flow, step, kind.step_amr[step], now), now)
            if flow.step == core.DONE:
                _done(flow, now=now, ip=ip)
    if failure is not None:
        raise failure
    return flow


def _passed(flow: Flow, step: str, amr: Sequence[str], now: datetime) -> core.FlowState:
    """The state after ``step`` was passed. A login that no longer reaches the requested level
    (the identity's level was lowered meanwhile) fails instead of finishing."""
    state = core.pass_step(flow.state, step, now=now, amr=amr)
    if state.step == core.DONE and not methods.level_reached(flow, flow.method):
        return core.fail(flow.state, now=now, reason="level_unreachable")
    return state


def flow_cancel(*, flow_id: str, browser_key: str, now: datetime, ip: str = "") -> Flow:
    with transaction.atomic():
        flow = _locked_flow(flow_id, browser_key)
        _save(flow, core.cancel(flow.state, now=now), now)
        audit_record(
            action="flow.cancel",
            subject=flow.identity.user_id if flow.identity else "",
            ip=ip,
            data={"flow": flow.id},
            at=now,
        )
    return flow


def flow_expire(*, flow_id: str, browser_key: str, now: datetime) -> Flow:
    """Mark a flow that ran out of time as failed, so its RP can be told."""
    with transaction.atomic():
        flow = _locked_flow(flow_id, browser_key)
        if not flow.state.finished and now >= flow.expires_at:
            _save(flow, core.fail(flow.state, now=now, reason="expired"), now)
            audit_record(action="flow.expire", data={"flow": flow.id}, at=now)
    return flow


def flow_step_passed(
    *,
    flow_id: str,
    step: str,
    authenticator_id: int,
    response: str,
    amr: tuple[str, ...],
    now: datetime,
    ip: str = "",
) -> Flow:
    """An answer to ``step`` arrived out of band (the app's approval): the method's kind
    verifies ``response`` as it recorded it, and the step is passed. The caller holds the flow's
    row lock (taken first, as every service does) and its own rows' locks."""
    flow = _locked_flow_any_browser(flow_id)
    core.expect(flow.state, step, now=now)
    auth = (
        Authenticator.objects.select_related("identity")
        .filter(pk=authenticator_id, identity=flow.identity, kind=flow.method)
        .first()
    )
    if auth is None or flow.identity is None or step == PASSWORD:
        raise FlowRefused("method_unavailable")  # the password is the flow's to check
    kind_of(flow.method).verify(
        authenticator=auth, step=step, response=response, now=now, ip=ip, flow_id=flow.id
    )
    flow.authenticator = auth
    _save(flow, _passed(flow, step, amr or kind_of(flow.method).step_amr[step], now), now)
    if flow.step == core.DONE:
        _done(flow, now=now, ip=ip, authenticator_id=auth.pk)
    return flow


def flow_step_failed(*, flow_id: str, step: str, reason: str, now: datetime, ip: str = "") -> Flow:
    """The citizen refused out of band (rejected in the app, said "I did not start this"), or
    the step failed there (3 wrong one-time codes typed into the app): the login ends."""
    flow = _locked_flow_any_browser(flow_id)
    core.expect(flow.state, step, now=now)
    _save(flow, core.fail(flow.state, now=now, reason=reason), now)
    return flow


def _locked_flow_any_browser(flow_id: str) -> Flow:
    return (
        Flow.objects.select_for_update(of=("self",))
        .select_related("identity", "application")
        .get(pk=flow_id)
    )


def _done(flow: Flow, *, now: datetime, ip: str, authenticator_id: int | None = None) -> None:
    """A login or approval succeeded: note it for the citizen's history and the audit log, and
    as the authenticator's last use."""
    if flow.identity is None or flow.decoy:
        return
    if authenticator_id is None:
        authenticator_id = flow.authenticator_id  # the device whose code was accepted
    Identity.objects.filter(pk=flow.identity.pk).update(last_login=now)
    if flow.identity.preferred_method != flow.method:
        # The method of a successful login becomes the preferred one (seeds 000, 001), and the
        # browser remembers it for the next login (decision 17).
        Identity.objects.filter(pk=flow.identity.pk).update(preferred_method=flow.method)
        flow.identity.preferred_method = flow.method
        audit_record(
            action="identity.preferred_method",
            subject=flow.identity.user_id,
            ip=ip,
            data={"method": flow.method, "flow": flow.id},
            at=now,
        )
    if authenticator_id is not None:
        Authenticator.objects.filter(pk=authenticator_id).update(last_used_at=now)
    Activity.objects.create(
        identity=flow.identity,
        at=now,
        rp_name=flow.application.name,
        client_id=flow.application.client_id,
        action=flow.action,
        approval_text=flow.approval_text,
        method=flow.method,
        authenticator_id=authenticator_id,
        flow_id=flow.id,
    )
    audit_record(
        action="flow.done",
        subject=flow.identity.user_id,
        ip=ip,
        data={"flow": flow.id, "method": flow.method, "amr": list(flow.amr)},
        at=now,
    )


def flow_step_retry(*, flow_id: str, browser_key: str, now: datetime, ip: str = "") -> Flow:
    """Begin the method's first step again: the app sends a new request after the last one
    expired or was refused."""
    with transaction.atomic():
        flow = _locked_flow(flow_id, browser_key)
        core.expect(flow.state, kind_of(flow.method).steps[0] if flow.method else "", now=now)
        _begin(flow, now, ip, quiet=False)
    return flow


def flow_result(flow: Flow) -> FlowResult:
    """What the finished flow proved; only for a flow that is done, and only while it still
    reaches the requested level (the identity's level may have been lowered since)."""
    if flow.step != core.DONE or flow.identity is None or flow.decoy:
        raise FlowRefused("not_done")
    if not methods.level_reached(flow, flow.method):
        raise FlowRefused("level_unreachable")
    aal = methods.authenticator_level(flow, flow.method)
    ial = Level.from_key(flow.identity.ial)
    amr = tuple(flow.amr)
    if len(amr) >= 2:
        amr += ("mfa",)
    return FlowResult(
        identity=flow.identity,
        method=flow.method,
        amr=amr,
        ial=ial,
        aal=aal,
        acr=achieved(ial, aal),
        auth_time=flow.finished_at or flow.created_at,
    )


def flows_purge(*, now: datetime, keep: timedelta) -> dict[str, int]:
    """Delete flows that expired more than ``keep`` ago, and unknown user IDs' throttles idle as
    long with no running lock and no running total (a real device keeps its total, so a decoy
    must). The audit log keeps what happened."""
    cutoff = now - keep
    flows, _ = Flow.objects.filter(expires_at__lt=cutoff).delete()
    idle = UnknownUserThrottle.objects.filter(updated_at__lt=cutoff, failures_total=0)
    throttles, _ = idle.exclude(locked_until__gt=now).delete()
    return {"flows": flows, "unknown_user_throttles": throttles}
