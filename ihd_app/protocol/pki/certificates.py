"""Reading identities out of X.509 certificates."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID

from ihd_app.protocol.pki.roles import Role, role_of


def certificate_id(certificate: x509.Certificate) -> bytes:
    """SHA-256 of the certificate's DER encoding: the envelope's ``kid``."""
    return hashlib.sha256(certificate.public_bytes(serialization.Encoding.DER)).digest()


def _name_attribute(certificate: x509.Certificate, oid: x509.ObjectIdentifier) -> str:
    values = certificate.subject.get_attributes_for_oid(oid)
    if not values:
        return ""
    value = values[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


@dataclass(frozen=True)
class CertificateSummary:
    """What a person needs to know about a signer.

    Attributes:
        entity_id: The entity's identifier (an EUI-64 such as ``90-B3-D5-1F-30-01-00-01``),
            from the subject common name; envelopes name it in ``iss`` and ``aud``.
        organisation: The human-readable organisation, from the subject O attribute.
        role: The role from the role extension, or ``None``.
        serial: The certificate serial number.
        not_before: Start of validity.
        not_after: End of validity.
        fingerprint: Hex SHA-256 of the DER certificate (the ``kid``).
    """

    entity_id: str
    organisation: str
    role: Role | None
    serial: int
    not_before: datetime
    not_after: datetime
    fingerprint: str

    @classmethod
    def of(cls, certificate: x509.Certificate) -> CertificateSummary:
        """Summarise ``certificate``."""
        return cls(
            entity_id=_name_attribute(certificate, NameOID.COMMON_NAME),
            organisation=_name_attribute(certificate, NameOID.ORGANIZATION_NAME),
            role=role_of(certificate),
            serial=certificate.serial_number,
            not_before=certificate.not_valid_before_utc,
            not_after=certificate.not_valid_after_utc,
            fingerprint=certificate_id(certificate).hex(),
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form."""
        return {
            "entity_id": self.entity_id,
            "organisation": self.organisation,
            "role": self.role.value if self.role else None,
            "serial": format(self.serial, "x"),
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "fingerprint": self.fingerprint,
        }


def load_certificate(data: bytes) -> x509.Certificate:
    """Load a PEM or DER certificate.

    Raises:
        ValueError: ``data`` is not a certificate.
    """
    if data.lstrip().startswith(b"-----BEGIN"):
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)
