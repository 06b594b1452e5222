"""Driving a login flow: each service loads the flow under a row lock, checks the browser that
started it, applies one core transition, and persists the new state with its audit event.

Unknown user IDs are not revealed: the flow becomes a *decoy* that looks and behaves like a flow
of an identity with a code display (same pages, same messages, comparable work per step) and
never succeeds.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from oauth2_provider.models import Application

from segl.audit.services import audit_record
from segl.authenticators.kinds import APP, KINDS, PASSWORD, kind_of
from segl.authenticators.models import Authenticator, Kind
from segl.authenticators.services import code_policy
from segl.core import flows as core
from segl.core import otp
from segl.core.assurance import Level, achieved
from segl.core.errors import Disabled, InvalidCode, Locked, SeglError
from segl.identities import throttles
from segl.identities.models import Activity, Identity
from segl.identities.services import identity_verify_password
from segl.keys import keyring

from .models import Action, Flow, UnknownUserThrottle

DECOY_METHOD: str = Kind.CODE_DISPLAY.value
APP_STEP = APP
_DECOY_AAD = b"decoy"


class FlowRefused(SeglError):
    """The flow cannot go on for a reason the citizen must be told (``reason`` says which)."""

    code = "flow_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WrongBrowser(SeglError):
    code = "flow_browser"


def browser_key_hash(browser_key: str) -> str:
    return hashlib.sha256(browser_key.encode()).hexdigest()


def new_browser_key() -> str:
    return secrets.token_urlsafe(32)


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


def _locked_flow(flow_id: str, browser_key: str) -> Flow:
    flow = (
        Flow.objects.select_for_update(of=("self",))
        .select_related("identity", "application")
        .get(pk=flow_id)
    )
    if not hmac.compare_digest(flow.browser_key_hash, browser_key_hash(browser_key)):
        raise WrongBrowser("the flow belongs to another browser")
    return flow


def flow_get(*, flow_id: str, browser_key: str) -> Flow:
    flow = Flow.objects.select_related("identity", "application").get(pk=flow_id)
    if not hmac.compare_digest(flow.browser_key_hash, browser_key_hash(browser_key)):
        raise WrongBrowser("the flow belongs to another browser")
    return flow


def active_authenticators(identity: Identity | None) -> list[Authenticator]:
    """The identity's active authenticators (for a decoy, the same query, finding none)."""
    return list(
        Authenticator.objects.filter(
            identity=identity, status=Authenticator.Status.ACTIVE, kind__in=list(KINDS)
        )
        .select_related("device")
        .order_by("activated_at")
    )


def available_methods(flow: Flow) -> list[str]:
    """The kinds the citizen can choose between, preferred first."""
    if flow.decoy or flow.identity is None:
        return [DECOY_METHOD]
    kinds: list[str] = []
    for auth in active_authenticators(flow.identity):
        if auth.kind not in kinds:
            kinds.append(auth.kind)
    preferred = flow.identity.preferred_method
    if preferred in kinds:
        kinds.remove(preferred)
        kinds.insert(0, preferred)
    return kinds


def _reachable(identity_ial: Level, kinds: list[str]) -> Level | None:
    levels = [achieved(identity_ial, KINDS[k].level) for k in kinds]
    return max(levels) if levels else None


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
    "authenticator",
]


def _save(flow: Flow, state: core.FlowState, now: datetime) -> None:
    flow.apply(state)
    if state.finished and flow.finished_at is None:
        flow.finished_at = now
    flow.save(update_fields=STATE_FIELDS)


def flow_submit_user_id(
    *, flow_id: str, browser_key: str, user_id: str, now: datetime, ip: str = ""
) -> Flow:
    with transaction.atomic():
        flow = _locked_flow(flow_id, browser_key)
        core.expect(flow.state, core.USER_ID, now=now)
        identity = Identity.objects.filter(user_id__iexact=user_id.strip()).first()
        requested = Level.from_key(flow.requested_level) if flow.requested_level else None
        if identity is None:
            flow.decoy = True
            flow.decoy_key = unknown_user_key(user_id)
            # The same query a known user ID costs (its authenticators), finding nothing.
            active_authenticators(None)
            kinds: list[str] = [DECOY_METHOD]
            reachable: Level | None = Level.SUBSTANTIAL
        else:
            if not identity.is_active:
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
            flow.identity = identity
            kinds = available_methods(flow)
            reachable = _reachable(Level.from_key(identity.ial), kinds)
        audit_record(
            action="flow.user_id",
            outcome="unknown" if flow.decoy else "ok",
            subject=user_id.strip()[:64],
            ip=ip,
            data={"flow": flow.id},
            at=now,
        )
        if not kinds:
            _save(flow, core.fail(flow.state, now=now, reason="no_authenticator"), now)
            return flow
        if requested is not None and (reachable is None or reachable < requested):
            _save(flow, core.fail(flow.state, now=now, reason="level_unreachable"), now)
            return flow
        method = kinds[0]
        _save(
            flow,
            core.identify(flow.state, now=now, method=method, steps=kind_of(method).steps),
            now,
        )
        _begin(flow, now, ip)
    return flow


def _begin(flow: Flow, now: datetime, ip: str) -> None:
    """Let the method prepare its first step. A method that cannot (the app refuses a flood of
    requests) says so on its page, which offers to try again; the flow itself goes on."""
    if flow.decoy or flow.identity is None:
        return
    with contextlib.suppress(SeglError), transaction.atomic():
        kind_of(flow.method).begin(flow=flow, now=now, ip=ip)


def flow_change_method(
    *, flow_id: str, browser_key: str, method: str, now: datetime, ip: str = ""
) -> Flow:
    with transaction.atomic():
        flow = _locked_flow(flow_id, browser_key)
        if method not in available_methods(flow):
            raise FlowRefused("method_unavailable")
        _save(
            flow,
            core.change_method(flow.state, now=now, method=method, steps=kind_of(method).steps),
            now,
        )
        _begin(flow, now, ip)
        if flow.identity is not None and flow.identity.preferred_method != method:
            # The choice becomes the preferred method (seeds 000, 001: "the first time ...").
            Identity.objects.filter(pk=flow.identity.pk).update(preferred_method=method)
            audit_record(
                action="identity.preferred_method",
                subject=flow.identity.user_id,
                ip=ip,
                data={"method": method, "flow": flow.id},
                at=now,
            )
    return flow


def unknown_user_key(user_id: str) -> str:
    """The throttle key of an unknown user ID: keyed, so the table does not list who was tried."""
    return throttles.keyed("unknown user ID", user_id.strip().casefold())


def _decoy_code(flow: Flow, code: str, now: datetime, ip: str) -> None:
    """Do what a real code check does (look up, lock, decrypt, verify, count, audit) and fail
    like it, so that neither the answer nor its timing tells that the user ID is unknown. The
    count and the lock belong to the user ID, as a real code display's belong to the device."""
    active_authenticators(None)
    key = flow.decoy_key or flow.id  # a decoy begun before keys were kept counts on its own
    rows = throttles.lock(UnknownUserThrottle, [key], now)
    try:
        throttles.check(rows, now)
    except (Locked, Disabled) as exc:
        audit_record(
            action="code.verify",
            outcome=exc.code,
            ip=ip,
            data={"flow": flow.id, "unknown_user": True},
            at=now,
        )
        raise
    ring = keyring()
    secret = ring.decrypt(ring.encrypt(secrets.token_bytes(20), aad=_DECOY_AAD), aad=_DECOY_AAD)
    with contextlib.suppress(InvalidCode):
        otp.verify_totp(secret, otp.normalise_code(code, 6), now=now, state=otp.TotpState())
    refusal = throttles.count_failure(rows, code_policy(), now)
    audit_record(
        action="code.verify",
        outcome="code_invalid",
        ip=ip,
        data={"flow": flow.id, "unknown_user": True},
        at=now,
    )
    raise refusal or InvalidCode("wrong code")


def flow_submit_step(
    *, flow_id: str, browser_key: str, step: str, response: str, now: datetime, ip: str = ""
) -> Flow:
    """Verify the response to the method's current step (a one-time code, a password)."""
    failure: SeglError | None = None
    with transaction.atomic():
        flow = _locked_flow(flow_id, browser_key)
        core.expect(flow.state, step, now=now)
        method = flow.method
        kind = kind_of(method)
        try:
            if flow.decoy or flow.identity is None:
                _decoy_code(flow, response, now, ip)
            elif step == PASSWORD:
                identity_verify_password(
                    identity_id=flow.identity.pk, password=response, now=now, ip=ip, flow_id=flow.id
                )
            else:
                auth = next(
                    (a for a in active_authenticators(flow.identity) if a.kind == method), None
                )
                if auth is None:
                    raise FlowRefused("method_unavailable")
                kind.verify(
                    authenticator=auth,
                    step=step,
                    response=response,
                    now=now,
                    ip=ip,
                    context={"flow": flow.id},
                )
                flow.authenticator = auth
        except SeglError as exc:
            failure = exc
        else:
            _save(flow, core.pass_step(flow.state, step, now=now, amr=kind.step_amr[step]), now)
            if flow.step == core.DONE:
                _done(flow, now=now, ip=ip)
    if failure is not None:
        raise failure
    return flow


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


def flow_app_answered(
    *,
    flow_id: str,
    approved: bool,
    now: datetime,
    reason: str = "",
    amr: tuple[str, ...] = (),
    ip: str = "",
    authenticator_id: int | None = None,
) -> Flow:
    """The app answered the flow's app step (the app service holds its request's lock): an
    approval passes the step, a rejection ends the flow."""
    flow = (
        Flow.objects.select_for_update(of=("self",))
        .select_related("identity", "application")
        .get(pk=flow_id)
    )
    if approved:
        _save(flow, core.pass_step(flow.state, APP_STEP, now=now, amr=amr), now)
    else:
        core.expect(flow.state, APP_STEP, now=now)
        _save(flow, core.fail(flow.state, now=now, reason=reason or "app_rejected"), now)
    if flow.step == core.DONE:
        _done(flow, now=now, ip=ip, authenticator_id=authenticator_id)
    return flow


def _done(flow: Flow, *, now: datetime, ip: str, authenticator_id: int | None = None) -> None:
    """A login or approval succeeded: note it for the citizen's history and the audit log, and
    as the authenticator's last use."""
    if flow.identity is None or flow.decoy:
        return
    if authenticator_id is None:
        authenticator_id = flow.authenticator_id  # the device whose code was accepted
    Identity.objects.filter(pk=flow.identity.pk).update(last_login=now)
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


def flow_app_retry(*, flow_id: str, browser_key: str, now: datetime, ip: str = "") -> Flow:
    """Send a new request to the app (after the last one expired or was refused)."""
    with transaction.atomic():
        flow = _locked_flow(flow_id, browser_key)
        core.expect(flow.state, APP_STEP, now=now)
        kind_of(flow.method).begin(flow=flow, now=now, ip=ip)
    return flow


def flow_result(flow: Flow) -> FlowResult:
    """What the finished flow proved; only for a flow that is done."""
    if flow.step != core.DONE or flow.identity is None or flow.decoy:
        raise FlowRefused("not_done")
    kind = kind_of(flow.method)
    ial = Level.from_key(flow.identity.ial)
    amr = tuple(flow.amr)
    if len(amr) >= 2:
        amr += ("mfa",)
    return FlowResult(
        identity=flow.identity,
        method=flow.method,
        amr=amr,
        ial=ial,
        aal=kind.level,
        acr=achieved(ial, kind.level),
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
