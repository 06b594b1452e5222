"""The domain errors of segl's core, one tree, each with its wire code.

    SeglError
    ├── CodeError                 one-time codes
    │   ├── InvalidCode           code_invalid: wrong, malformed or outside the window
    │   ├── ReplayedCode          code_replayed: a code (or an earlier one) was already accepted
    │   └── ResyncFailed          resync_failed: two codes did not follow each other in the window
    ├── Locked                    locked: too many wrong attempts; carries ``until``
    ├── Disabled                  disabled: the limit of wrong attempts since the last success
    │                             was reached; only a fresh identification recovers
    ├── PasswordError             passwords
    │   ├── WrongPassword         password_wrong
    │   └── PasswordRejected      password_rejected: a new password breaks the policy (``reason``)
    ├── PskcError                 pskc_invalid: a PSKC file that cannot be imported (nothing is)
    ├── SecretError               secret_invalid: a ciphertext that does not decrypt (tampered or
    │                             unknown key id)
    ├── CprError                  cpr_invalid: not a CPR number
    ├── MrzInvalid                mrz_invalid: not a travel document's machine readable zone, or
    │                             its check digits do not add up (``reason``)
    ├── DocumentRefused           document_refused: what a travel document's chip holds does not
    │                             prove the document (``reason``, for the citizen and operator)
    ├── ApprovalTextRefused       approval_text_invalid: too long, or a character that would not
    │                             show as itself (``reason`` names it and where)
    ├── PkceInvalid               pkce_invalid: a code challenge or verifier outside RFC 7636
    ├── TransitionRefused         lifecycle_refused: a step in an authenticator's life that does
    │                             not follow from its status (``status``, ``event``)
    ├── FlowError                 authentication flows
    │   ├── FlowExpired           flow_expired
    │   └── FlowStateError        flow_state: a step that does not fit where the flow is
    └── AppProtocolError          the app's requests (``reason`` says which rule was broken)
        ├── ProofInvalid          proof_invalid: a DPoP proof or signed approval that fails
        └── BindingInvalid        binding_invalid: a QR code or one-time code that is not this
                                  flow's, or too old

Attacker input raises one of these; programmer mistakes raise ``TypeError``/``ValueError``.
"""

from __future__ import annotations

from datetime import datetime


class SeglError(Exception):
    """Base of every domain error; ``code`` is what goes on the wire and in the audit log."""

    code = "error"


class CodeError(SeglError):
    code = "code_error"


class InvalidCode(CodeError):
    code = "code_invalid"


class ReplayedCode(CodeError):
    code = "code_replayed"


class ResyncFailed(CodeError):
    code = "resync_failed"


class Locked(SeglError):
    """Too many wrong attempts in a row; nothing is verified before ``until``."""

    code = "locked"

    def __init__(self, until: datetime) -> None:
        super().__init__(f"locked until {until.isoformat()}")
        self.until = until


class Disabled(SeglError):
    """The limit of wrong attempts since the last success was reached: nothing is verified any
    more until a fresh identification recovers it."""

    code = "disabled"

    def __init__(self) -> None:
        super().__init__("disabled after too many wrong attempts")


class PasswordError(SeglError):
    code = "password_error"


class WrongPassword(PasswordError):
    code = "password_wrong"


class PasswordRejected(PasswordError):
    """A new password that breaks the policy; ``reason`` is one of the policy's reason codes."""

    code = "password_rejected"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PskcError(SeglError):
    code = "pskc_invalid"


class SecretError(SeglError):
    code = "secret_invalid"


class CprError(SeglError):
    code = "cpr_invalid"


class MrzInvalid(SeglError):
    """Not the machine readable zone of a travel document (ICAO Doc 9303), or one whose check
    digits do not add up; ``reason`` is ``shape``, ``characters``, ``date`` or
    ``check_<field>``."""

    code = "mrz_invalid"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DocumentRefused(SeglError):
    """A travel document whose chip data does not prove it: ``reason`` says why, e.g.
    ``chip_data_malformed`` or ``mrz_mismatch`` (the chip's MRZ is not the printed one)."""

    code = "document_refused"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ApprovalTextRefused(SeglError):
    """An RP's text to approve that segl will not show; ``reason`` says why, for the RP."""

    code = "approval_text_invalid"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PkceInvalid(SeglError):
    """A PKCE value outside RFC 7636's syntax; ``reason`` says which rule, for the RP."""

    code = "pkce_invalid"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TransitionRefused(SeglError):
    """A suspend, reinstate, retire or activation that does not follow from where the
    authenticator is (:mod:`segl.core.lifecycle`); a retired one stays retired."""

    code = "lifecycle_refused"

    def __init__(self, *, status: str, event: str) -> None:
        super().__init__(f"{event} refused: the authenticator is {status}")
        self.status = status
        self.event = event
        self.reason = f"{status}_cannot_{event}"


class FlowError(SeglError):
    code = "flow_error"


class FlowExpired(FlowError):
    code = "flow_expired"


class FlowStateError(FlowError):
    code = "flow_state"


class AppProtocolError(SeglError):
    code = "app_error"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ProofInvalid(AppProtocolError):
    code = "proof_invalid"


class BindingInvalid(AppProtocolError):
    code = "binding_invalid"
