"""The trust list of passive authentication: which country signing CAs (CSCAs) segl trusts to
vouch for travel documents, and their revocation lists (ICAO Doc 9303 Part 12).

A trust list is made from files (the shell reads a configured folder): a CSCA certificate (DER
or PEM, several PEM certificates in one file too), an ICAO master list (``.ml``: CMS SignedData
of a ``CscaMasterList``, Part 12 §9, whose signer must chain to a CSCA the list itself holds),
or a certificate revocation list (``.crl``, DER or PEM, which must verify with a CSCA of the
list). A file that is none of these (by its name's ending, :data:`SUFFIXES`) is refused with
``ValueError``: a trust list that loads half is worse than one that does not load.

``DEMO_ORGANIZATION`` marks the CSCA of ``segl passport make``: production refuses a trust list
that holds one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import core as asn1
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from .errors import DocumentRefused
from .signed_data import PARSE_ERRORS, open_signed

DEMO_ORGANIZATION = "segl test documents"
MASTER_LIST = "2.23.136.1.1.2"  # id-icao-cscaMasterList
SUFFIXES = (".pem", ".der", ".cer", ".crt", ".ml", ".crl")


class _CertificateSet(asn1.SetOf):  # type: ignore[misc]
    _child_spec = asn1_x509.Certificate


class CscaMasterList(asn1.Sequence):  # type: ignore[misc]
    _fields = [("version", asn1.Integer), ("cert_list", _CertificateSet)]


def issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Whether ``issuer``'s name and key issued ``cert``."""
    try:
        cert.verify_directly_issued_by(issuer)
    except (ValueError, TypeError, InvalidSignature, UnsupportedAlgorithm):
        return False
    return True


def _signed(crl: x509.CertificateRevocationList, csca: x509.Certificate) -> bool:
    key = csca.public_key()
    return isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey) and crl.is_signature_valid(
        key
    )


def country(cert: x509.Certificate) -> str:
    """The two-letter country of a certificate's subject (``""`` if it names none)."""
    values = cert.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)
    return str(values[0].value).upper() if len(values) == 1 else ""


def _certificates(data: bytes) -> list[x509.Certificate]:
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificates(data)
    return [x509.load_der_x509_certificate(data)]


def master_list(data: bytes) -> list[x509.Certificate]:
    """The CSCA certificates of an ICAO master list, its signature verified."""
    try:
        signed = open_signed(data, MASTER_LIST)
        listed = CscaMasterList.load(signed.content, strict=True)
        certs = [x509.load_der_x509_certificate(c.dump()) for c in listed["cert_list"]]
    except (DocumentRefused, *PARSE_ERRORS) as error:
        raise ValueError(f"not a valid CSCA master list ({error})") from None
    if not any(issued_by(signed.signer, csca) for csca in certs):
        raise ValueError("the master list's signer is not issued by a CSCA the list holds")
    return certs


@dataclass(frozen=True)
class TrustList:
    cscas: tuple[x509.Certificate, ...]
    crls: tuple[x509.CertificateRevocationList, ...] = ()
    _by_subject: dict[x509.Name, list[x509.Certificate]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        by_subject: dict[x509.Name, list[x509.Certificate]] = {}
        for csca in self.cscas:
            by_subject.setdefault(csca.subject, []).append(csca)
        object.__setattr__(self, "_by_subject", by_subject)
        for crl in self.crls:
            if not any(_signed(crl, c) for c in by_subject.get(crl.issuer, [])):
                issuer = crl.issuer.rfc4514_string()
                raise ValueError(f"a revocation list of {issuer} is not signed by a trusted CSCA")

    @classmethod
    def from_files(cls, files: Iterable[tuple[str, bytes]]) -> TrustList:
        """A trust list from ``(name, contents)`` pairs; the name's ending says what it is."""
        cscas: list[x509.Certificate] = []
        crls: list[x509.CertificateRevocationList] = []
        for name, data in files:
            if not name.lower().endswith(SUFFIXES):
                endings = ", ".join(SUFFIXES)
                raise ValueError(f"{name}: not a CSCA certificate, master list or CRL ({endings})")
            try:
                if name.endswith(".ml"):
                    cscas += master_list(data)
                elif name.endswith(".crl"):
                    pem = data.lstrip().startswith(b"-----BEGIN")
                    crls.append(
                        x509.load_pem_x509_crl(data) if pem else x509.load_der_x509_crl(data)
                    )
                else:
                    cscas += _certificates(data)
            except ValueError as error:
                raise ValueError(f"{name}: {error}") from None
        unique = {c.fingerprint(hashes.SHA256()): c for c in cscas}
        return cls(tuple(unique.values()), tuple(crls))

    @property
    def is_demo(self) -> bool:
        """Whether a CSCA of ``segl passport make`` is trusted (never in production)."""
        return any(
            attribute.value == DEMO_ORGANIZATION
            for csca in self.cscas
            for attribute in csca.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
        )

    def issuer(self, signer: x509.Certificate) -> x509.Certificate:
        """The trusted CSCA that issued ``signer``; ``csca_untrusted`` if none did."""
        for csca in self._by_subject.get(signer.issuer, []):
            if issued_by(signer, csca):
                return csca
        raise DocumentRefused("csca_untrusted")

    def stale_revocation_lists(self, at: datetime) -> list[x509.CertificateRevocationList]:
        """Revocation lists past their next update at ``at``: a newer one should be there."""
        return [
            crl for crl in self.crls if crl.next_update_utc is not None and crl.next_update_utc < at
        ]

    def revoked(self, signer: x509.Certificate, csca: x509.Certificate) -> bool:
        """Whether a revocation list of ``csca`` lists ``signer``: a document signer's key is
        revoked when it may have been in other hands, so every document it signed is refused."""
        for crl in self.crls:
            if crl.issuer != csca.subject or not _signed(crl, csca):
                continue
            if crl.get_revoked_certificate_by_serial_number(signer.serial_number) is not None:
                return True
        return False
