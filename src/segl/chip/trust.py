"""Which chip models segl accepts (``SEGL_CHIP_MODELS``, decision 37), and the check of a
registration's attestation against them.

The folder holds ``models.json`` and the PEM files it names::

    {"models": [{"aaguid": "8-4-4-4-12 hex", "name": "...", "roots": ["vendor-root.pem"]}],
     "mds": {"blob": "blob.jwt", "root": "mds-root.pem"}}

``mds`` is optional: a FIDO Metadata Service (MDS3) blob fetched by the operator, verified
offline against its root, for models not in the list. A model in neither is refused, and so is a
registration without attestation ("none", or self attestation): nothing then says what it is
(WebAuthn L2 §6.5.3, §7.1 steps 19-21).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.conf import settings
from fido2.attestation.base import (
    AttestationResult,
    AttestationVerifier,
    InvalidAttestation,
    UnsupportedType,
)
from fido2.mds3 import (
    AuthenticatorStatus,
    MdsAttestationVerifier,
    MetadataBlobPayload,
    MetadataBlobPayloadEntry,
    parse_blob,
)
from fido2.webauthn import Aaguid, AttestationObject, AuthenticatorData

from .errors import ChipRefused

# Chromium's virtual authenticator (DevTools, WebAuthn panel): a software key anyone can make,
# for trying a chip without one. The demo's allow-list accepts it; production's must not.
VIRTUAL_AUTHENTICATOR_AAGUID = "01020304-0506-0708-0102-030405060708"


# What a model found only in the MDS3 blob must be, to be a chip: FIDO certified (at any level;
# an operator who wants more lists models by name), a key kept in hardware, a roaming key (not a
# phone's or a laptop's own), and never revoked or compromised since.
_CERTIFIED = frozenset(s for s in AuthenticatorStatus if s.value.startswith("FIDO_CERTIFIED"))
_COMPROMISED = frozenset(
    {
        AuthenticatorStatus.REVOKED,
        AuthenticatorStatus.USER_VERIFICATION_BYPASS,
        AuthenticatorStatus.ATTESTATION_KEY_COMPROMISE,
        AuthenticatorStatus.USER_KEY_REMOTE_COMPROMISE,
        AuthenticatorStatus.USER_KEY_PHYSICAL_COMPROMISE,
    }
)


def chip_like(entry: MetadataBlobPayloadEntry) -> bool:
    statuses = {report.status for report in entry.status_reports}
    statement = entry.metadata_statement
    return (
        bool(statuses & _CERTIFIED)
        and not statuses & _COMPROMISED
        and statement is not None
        and bool({"hardware", "secure_element"} & set(statement.key_protection))
        and "external" in statement.attachment_hint
    )


@dataclass(frozen=True)
class AcceptedModel:
    aaguid: Aaguid
    name: str
    roots: tuple[x509.Certificate, ...]


class _RootsVerifier(AttestationVerifier):
    """Attestation up to one of a model's roots: the one that issued the last certificate of
    the trust path (python-fido2 then checks each signature along the path)."""

    def __init__(self, roots: tuple[x509.Certificate, ...]) -> None:
        super().__init__()
        self._roots = roots

    def ca_lookup(
        self, attestation_result: AttestationResult, auth_data: AuthenticatorData
    ) -> bytes | None:
        if not attestation_result.trust_path:
            return None  # self attestation: no certificate, nothing to trust
        last = x509.load_der_x509_certificate(attestation_result.trust_path[-1])
        for root in self._roots:
            if root.subject == last.issuer:
                return root.public_bytes(Encoding.DER)
        return None


@dataclass(frozen=True)
class ChipTrust:
    models: Mapping[Aaguid, AcceptedModel]
    mds: MetadataBlobPayload | None = None

    @classmethod
    def from_folder(cls, folder: Path) -> ChipTrust:
        """Read ``models.json`` and what it names; ``ValueError`` says what is wrong."""
        try:
            config = json.loads((folder / "models.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"{folder}/models.json: {exc}") from None
        if not isinstance(config, dict) or not isinstance(config.get("models", []), list):
            raise ValueError(f"{folder}/models.json: expected {{'models': [...]}}")
        models: dict[Aaguid, AcceptedModel] = {}
        for entry in config.get("models", []):
            try:
                aaguid = Aaguid.parse(entry["aaguid"])
                roots = tuple(_pem(folder, name) for name in entry["roots"])
                model = AcceptedModel(aaguid=aaguid, name=str(entry["name"]), roots=roots)
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{folder}/models.json: a model is not readable ({exc})") from None
            if not roots:
                raise ValueError(f"{folder}/models.json: {model.name} names no root")
            models[aaguid] = model
        mds = None
        if config.get("mds"):
            try:
                blob = (folder / config["mds"]["blob"]).read_bytes()
                root = _pem(folder, config["mds"]["root"]).public_bytes(Encoding.DER)
                mds = parse_blob(blob, root)
            except Exception as exc:  # any flaw in the blob makes it unusable
                raise ValueError(f"{folder}: the MDS3 blob does not verify ({exc})") from None
        return cls(models=models, mds=mds)

    def accepts(self, aaguid: str) -> bool:
        """Whether a model is accepted now (a login re-checks the model a chip registered with,
        so taking a model off the list, or a revoked one in a fresh MDS3 blob, stops its chips)."""
        try:
            parsed = Aaguid.parse(aaguid)
        except ValueError:
            return False
        if self._refused_here(parsed):
            return False
        if parsed in self.models:
            return True
        return self.mds is not None and self._mds().find_entry_by_aaguid(parsed) is not None

    def _mds(self) -> MdsAttestationVerifier:
        assert self.mds is not None
        return MdsAttestationVerifier(self.mds, entry_filter=chip_like)

    @staticmethod
    def _refused_here(aaguid: Aaguid) -> bool:
        """Chromium's virtual authenticator, a software key anyone can make, is never accepted
        in production, whatever the list says (segl check calls such a list an error)."""
        return settings.CONFIG.env == "production" and str(aaguid) == VIRTUAL_AUTHENTICATOR_AAGUID

    def verify(self, attestation: AttestationObject, client_data_hash: bytes) -> str:
        """The accepted model's name, or :class:`ChipRefused` (``model_not_accepted`` or
        ``attestation_invalid``)."""
        credential = attestation.auth_data.credential_data
        if credential is None or attestation.fmt == "none":
            raise ChipRefused("model_not_accepted")
        aaguid = credential.aaguid
        if self._refused_here(aaguid):
            raise ChipRefused("model_not_accepted")
        model = self.models.get(aaguid)
        verifier: AttestationVerifier
        if model is not None:
            verifier, name = _RootsVerifier(model.roots), model.name
        elif self.mds is not None:
            mds = self._mds()
            entry = mds.find_entry_by_aaguid(aaguid)
            if entry is None:
                raise ChipRefused("model_not_accepted")
            statement = entry.metadata_statement
            verifier, name = mds, statement.description if statement else str(aaguid)
        else:
            raise ChipRefused("model_not_accepted")
        try:
            verifier.verify_attestation(attestation, client_data_hash)
        except UnsupportedType:
            raise ChipRefused("model_not_accepted") from None
        except (InvalidAttestation, ValueError, IndexError):
            # IndexError: the MDS3 lookup of a self attestation, which has no trust path.
            raise ChipRefused("attestation_invalid") from None
        return name


def _pem(folder: Path, name: str) -> x509.Certificate:
    if not isinstance(name, str) or "/" in name or name.startswith("."):
        raise ValueError(f"{name!r} is not a file name in the folder")
    return x509.load_pem_x509_certificate((folder / name).read_bytes())


@functools.lru_cache(maxsize=4)
def _read(folder: Path, stamp: int) -> ChipTrust:
    return ChipTrust.from_folder(folder)


def chip_trust() -> ChipTrust:
    """The configured models, read once per change of ``models.json``; none when the folder
    or its ``models.json`` is missing (then every chip is refused)."""
    folder = settings.CONFIG.chip_models
    if folder is None or not (folder / "models.json").is_file():
        return ChipTrust(models={})
    return _read(folder, (folder / "models.json").stat().st_mtime_ns)
