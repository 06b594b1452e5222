"""The login flow as kinds see it: :class:`~segl.authenticators.contract.FlowPort`, registered
at start-up (``FlowsConfig.ready``), and the :class:`StepContext` a kind is handed."""

from __future__ import annotations

from datetime import datetime

from segl.authenticators.contract import StepContext, StepNotFound
from segl.identities import throttles

from . import services
from .methods import step_context
from .models import Flow, UnknownUserThrottle


class FlowsPort:
    def step_context(self, *, flow_id: str, kind: str, lock: bool = False) -> StepContext:
        flows = Flow.objects.select_related("identity", "application")
        if lock:
            flows = flows.select_for_update(of=("self",))
        flow = flows.filter(pk=str(flow_id)[:32]).first()
        if flow is None:
            raise StepNotFound("no such login")
        return step_context(flow, kind)

    def browser_step(self, *, flow_id: str, kind: str, browser_key: str) -> StepContext:
        """For the browser's own requests (a long-poll asks many times a second)."""
        try:
            flow = services.flow_get(flow_id=flow_id, browser_key=browser_key)
        except (Flow.DoesNotExist, services.WrongBrowser) as exc:
            raise StepNotFound("no such login in this browser") from exc
        return step_context(flow, kind)

    def step_passed(
        self,
        *,
        flow_id: str,
        step: str,
        authenticator_id: int,
        response: str,
        amr: tuple[str, ...],
        now: datetime,
        ip: str = "",
    ) -> None:
        services.flow_step_passed(
            flow_id=flow_id,
            step=step,
            authenticator_id=authenticator_id,
            response=response,
            amr=amr,
            now=now,
            ip=ip,
        )

    def step_failed(
        self, *, flow_id: str, step: str, reason: str, now: datetime, ip: str = ""
    ) -> None:
        services.flow_step_failed(flow_id=flow_id, step=step, reason=reason, now=now, ip=ip)

    def decoy_lock(self, *, key: str, now: datetime) -> None:
        throttles.lock(UnknownUserThrottle, [key], now)
