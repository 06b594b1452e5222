"""The contract every authenticator kind keeps, and what the login flow tells a kind.

A kind (the code devices, the app, the chip next) lives in its own folder and plugs in with one
line (:func:`segl.authenticators.registry.register` in its ``AppConfig.ready``). It says which
steps a login with it takes, what each step adds to ``amr`` (RFC 8176) and its assurance level;
it activates from its own typed proof, prepares, shows and verifies its steps, and cleans up its
own state when an authenticator of its kind is suspended or retired. The flow (layer 4) talks to
kinds (layer 3) only through this module: it hands a kind a :class:`StepContext`, a plain value,
never the flow's model, and a kind whose answer arrives out of band (the app) reports it through
the :class:`FlowPort` the flow registers at start-up. ``tests/contracts/`` holds every kind to it.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import ClassVar, Protocol
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils.translation import gettext as _

from segl.core.assurance import Level
from segl.core.errors import SeglError
from segl.identities.models import Identity

from .forms import SeglForm
from .models import Authenticator

# The step every kind's login may end with: the identity's password, checked by the flow.
PASSWORD = "password"


def cannot_be_used(device: str) -> str:
    """What a login says of a method that cannot be used, alike for every user ID (decision 17):
    what to do with another method, and without one."""
    return _(
        "Your %(device)s cannot be used. If you have another identification method, choose "
        "“Change identification method”. If you have no other, get help at a citizen service "
        "centre."
    ) % {"device": device}


def browser_key_hash(browser_key: str) -> str:
    """What a flow keeps of the browser that started it (the browser key cookie)."""
    return hashlib.sha256(browser_key.encode()).hexdigest()


class StepNotFound(SeglError):
    """No such login, or it belongs to another browser: the kind's page says "not found"."""

    code = "step_not_found"


@dataclass(frozen=True)
class ActivationProof:
    """What a citizen shows to activate an authenticator; each kind has its own subclass."""


@dataclass(frozen=True)
class StepContext:
    """What a kind needs to know about the login at its step, as a plain value."""

    flow_id: str
    kind: str  # the kind this context was made for
    method: str  # the flow's method now (another kind's, if the citizen changed it)
    step: str  # where the flow is now: a step, or done / failed / cancelled
    finished: bool
    identity_id: UUID | None
    user_id: str  # the identity's, or "" for an unknown user ID
    decoy_key: str  # where a decoy step of this kind keeps its counts (decision 17)
    browser_key_hash: str
    approval_text: str
    action: str
    rp_name: str
    expires_at: datetime
    # Finds the identity's usable authenticator of this kind (one query, alike for a user ID
    # with one and without: decision 17), asked only by a kind that needs it.
    find_authenticator: Callable[[], int | None] = field(
        default=lambda: None, repr=False, compare=False
    )

    @cached_property
    def authenticator_id(self) -> int | None:
        """The identity's usable authenticator of this kind; None: the step is a decoy."""
        return self.find_authenticator()

    @property
    def at_kind_step(self) -> bool:
        """The flow is at one of this kind's steps now."""
        return not self.finished and self.method == self.kind

    def started_in(self, browser_key: str) -> bool:
        return hmac.compare_digest(self.browser_key_hash, browser_key_hash(browser_key))


class AnswerForm(SeglForm):
    """The form a kind's step page posts; ``field`` names the input that holds the answer."""

    field: ClassVar[str]

    def answer(self) -> str:
        return str(self.cleaned_data[self.field])


class AuthenticatorKind(Protocol):
    @property
    def kind(self) -> str: ...

    @property
    def level(self) -> Level: ...

    @property
    def steps(self) -> tuple[str, ...]:
        """The login steps after the user ID, in order (the last may be :data:`PASSWORD`)."""

    @property
    def step_amr(self) -> Mapping[str, tuple[str, ...]]:
        """What passing each step adds to ``amr`` (RFC 8176)."""

    @property
    def proof_type(self) -> type[ActivationProof]: ...

    @property
    def url_prefix(self) -> str:
        """The flow mounts :meth:`urlpatterns` under ``<flow id>/<url_prefix>/``."""

    def urlpatterns(self) -> Sequence[URLPattern]:
        """The kind's own addresses in a login (each view takes ``flow_id``)."""

    def activate(
        self, *, identity: Identity, proof: ActivationProof, now: datetime
    ) -> Authenticator:
        """Activate from a proof of this kind's :attr:`proof_type` (``TypeError`` otherwise);
        only for ``identity``."""

    def begin(self, *, step: StepContext, now: datetime, ip: str = "") -> None:
        """The flow has entered this kind's first step (the app asks the phone here). The caller
        holds the flow's row lock."""

    def begin_decoy(self, *, step: StepContext, now: datetime, ip: str = "") -> None:
        """The flow has entered this kind's first step for a user ID with no such authenticator
        (or none at all): prepare what ``begin`` would, so the page looks and behaves the same,
        with nothing anyone can answer (decision 17)."""

    def verify(
        self,
        *,
        authenticator: Authenticator,
        step: str,
        response: str,
        now: datetime,
        ip: str = "",
        flow_id: str = "",
    ) -> None:
        """Accept ``response`` to ``step`` or raise a :class:`SeglError`: a code typed into the
        login page, or (for an answer out of band) what the kind recorded of it."""

    def on_suspend(self, *, authenticator: Authenticator, now: datetime) -> None:
        """The authenticator was suspended (inside that transaction): drop what would let it
        be used meanwhile."""

    def on_retire(self, *, authenticator: Authenticator, now: datetime) -> None:
        """The authenticator was retired (inside that transaction)."""

    def step_form(self, *, step: str, data: Mapping[str, str] | None = None) -> AnswerForm | None:
        """The form the login page posts for ``step``; None when the browser does not answer it
        (the app answers in the app)."""

    def render_step(
        self,
        *,
        request: HttpRequest,
        step: StepContext,
        page: Mapping[str, object],
        form: AnswerForm | None = None,
        status: int = 200,
    ) -> HttpResponse:
        """The login page at this kind's step. ``page`` is what every step page shows (the RP,
        the action, the approval text, cancel and change method)."""

    def refusal(self, *, step: str, error: SeglError) -> str:
        """The sentence the login page shows when ``verify`` refused a browser's answer."""


class FlowPort(Protocol):
    """What a kind may ask of the login flow. The flow implements it and registers it at
    start-up (:func:`segl.authenticators.registry.connect_flows`), so kinds never import it."""

    def step_context(self, *, flow_id: str, kind: str, lock: bool = False) -> StepContext:
        """The login as ``kind`` sees it (``lock``: under the flow's row lock, which every
        service takes first). Raises :class:`StepNotFound`."""

    def browser_step(self, *, flow_id: str, kind: str, browser_key: str) -> StepContext:
        """The same, for the browser that started the login only. Raises
        :class:`StepNotFound`."""

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
        """An answer arrived out of band: the flow has the kind verify ``response`` and passes
        the step. The caller holds the flow's row lock."""

    def step_failed(
        self, *, flow_id: str, step: str, reason: str, now: datetime, ip: str = ""
    ) -> None:
        """The citizen refused out of band (or it failed there): the login ends with ``reason``."""

    def decoy_lock(self, *, key: str, now: datetime) -> None:
        """Serialise a decoy step's work per user ID, as an identity's row lock does a real one."""
