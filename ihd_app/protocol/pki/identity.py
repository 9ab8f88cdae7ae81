"""A signing identity: a certificate and its private key, loaded from a PKI directory."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ihd_app.protocol.errors import ConfigurationError
from ihd_app.protocol.pki.authority import CERTIFICATE_FILE, IDENTITIES_DIR, PRIVATE_KEY_FILE
from ihd_app.protocol.pki.certificates import CertificateSummary, certificate_id, load_certificate
from ihd_app.protocol.pki.roles import Role


@dataclass(frozen=True)
class Identity:
    """Someone who signs envelopes.

    Attributes:
        certificate: The identity's certificate.
        private_key: Its P-256 private key.
    """

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey

    # Cached: every envelope signed reads them, and the certificate never changes.
    @cached_property
    def summary(self) -> CertificateSummary:
        """Entity id, organisation, role and validity."""
        return CertificateSummary.of(self.certificate)

    @property
    def entity_id(self) -> str:
        """The EUI-64 the identity signs as (``iss``)."""
        return self.summary.entity_id

    @property
    def role(self) -> Role:
        """The role its certificate asserts.

        Raises:
            ConfigurationError: The certificate has no role extension.
        """
        role = self.summary.role
        if role is None:
            raise ConfigurationError(f"certificate of {self.entity_id} carries no role extension")
        return role

    @cached_property
    def kid(self) -> bytes:
        """SHA-256 of the certificate, the envelope's key id."""
        return certificate_id(self.certificate)

    @cached_property
    def certificate_der(self) -> bytes:
        """The certificate in DER, as embedded in envelopes."""
        return self.certificate.public_bytes(serialization.Encoding.DER)


def load_identity(pki_directory: Path, name: str) -> Identity:
    """Load ``identities/<name>`` from a PKI directory.

    Raises:
        ConfigurationError: The identity is missing or its files are not a P-256 key and
            certificate.
    """
    folder = pki_directory / IDENTITIES_DIR / name
    try:
        certificate = load_certificate((folder / CERTIFICATE_FILE).read_bytes())
        key = serialization.load_pem_private_key(
            (folder / PRIVATE_KEY_FILE).read_bytes(), password=None
        )
    except FileNotFoundError as exc:
        raise ConfigurationError(
            f"no identity '{name}' in {pki_directory}: {exc.filename} is missing"
        ) from None
    except ValueError as exc:
        raise ConfigurationError(
            f"identity '{name}' in {pki_directory} is unreadable: {exc}"
        ) from None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ConfigurationError(f"identity '{name}' in {pki_directory} is not a P-256 key")
    return Identity(certificate=certificate, private_key=key)


def available_identities(pki_directory: Path) -> list[str]:
    """Names of the identities in a PKI directory, sorted."""
    folder = pki_directory / IDENTITIES_DIR
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / CERTIFICATE_FILE).is_file())
