"""The app authenticator's services, one module per concern.

Every rule of the app protocol is enforced here, on the server: a request is approved only by
an unlocked app of the flow's identity, after it proved the binding (QR or one-time code), over
the exact text shown, once, before the request expires. Each service owns its transaction and
writes its audit events; failures are recorded before they are raised, so a rollback never
erases a counted attempt.

    dpop           who is asking (RFC 9449 proofs, the app instance they name)
    activation     activation codes, the temporary PIN, the app's key and PIN
    unlock         the PIN unlock that every answer and setting needs, and changing the PIN
    requests       the app's part of a login and the binding (QR, code, same device)
    answers        the signed answer: approve, reject, "I did not start this"
    approval_mode  QR codes or one-time codes (a weakening change waits)
    copy           activate on another phone from an existing app
    lifecycle      retire an app, purge what has expired

Code outside the app imports the names below from here; inside the app, from the concern's
module.
"""

from ..models import AppActivation, CopyOffer
from .activation import (
    activation_code_issue,
    activation_finish,
    activation_start,
    check_pin_policy,
    new_activation,
)
from .answers import app_request_answer
from .approval_mode import approval_mode_confirm, approval_mode_pending, approval_mode_request
from .base import COPY_PREFIX, AppRefused, WrongPin, policy
from .copy import (
    copy_completed_since,
    copy_confirm,
    copy_finish,
    copy_offer,
    copy_offer_for_proofing,
    copy_scan,
    copy_status,
)
from .dpop import dpop_accept, instance_for
from .lifecycle import app_purge, app_retire
from .requests import (
    Binding,
    Bound,
    app_request_bind,
    app_request_current,
    app_request_open,
    paused_until,
    pending_for,
    qr_text,
    request_state,
    too_many_requests,
)
from .unlock import app_pin_change, app_unlock

__all__ = [
    "COPY_PREFIX",
    "AppActivation",
    "AppRefused",
    "Binding",
    "Bound",
    "CopyOffer",
    "WrongPin",
    "activation_code_issue",
    "activation_finish",
    "activation_start",
    "app_pin_change",
    "app_purge",
    "app_request_answer",
    "app_request_bind",
    "app_request_current",
    "app_request_open",
    "app_retire",
    "app_unlock",
    "approval_mode_confirm",
    "approval_mode_pending",
    "approval_mode_request",
    "check_pin_policy",
    "copy_completed_since",
    "copy_confirm",
    "copy_finish",
    "copy_offer",
    "copy_offer_for_proofing",
    "copy_scan",
    "copy_status",
    "dpop_accept",
    "instance_for",
    "new_activation",
    "paused_until",
    "pending_for",
    "policy",
    "qr_text",
    "request_state",
    "too_many_requests",
]
