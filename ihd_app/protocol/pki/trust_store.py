"""The trust store: roots, their revocation lists, and signer certificates known in advance.

A trust store directory holds::

    roots/*.pem       trusted root certificates
    *.crl.pem         certificate revocation lists, each signed by one of the roots
    signers/*.pem     optional: signer certificates, for envelopes that carry only a ``kid``
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ec

from ihd_app.protocol.errors import ConfigurationError
from ihd_app.protocol.pki.certificates import certificate_id, load_certificate


@dataclass(frozen=True)
class TrustStore:
    """Immutable set of trust anchors.

    Attributes:
        roots: Trusted root certificates.
        revoked_serials: ``(issuer name, serial)`` pairs from CRLs whose signature verified.
        signers: Known signer certificates by ``kid``.
    """

    roots: tuple[x509.Certificate, ...]
    revoked_serials: frozenset[tuple[str, int]] = frozenset()
    signers: dict[bytes, x509.Certificate] = field(default_factory=dict)

    @classmethod
    def from_directory(cls, directory: Path) -> TrustStore:
        """Load a trust store directory.

        Raises:
            ConfigurationError: The directory is missing, holds no root, or a file in it is not
                a certificate or a CRL signed by one of its roots.
        """
        if not directory.is_dir():
            raise ConfigurationError(f"trust store {directory} does not exist")
        roots = tuple(_load_all(sorted((directory / "roots").glob("*.pem"))))
        if not roots:
            raise ConfigurationError(f"trust store {directory} has no root in roots/*.pem")
        signers = {
            certificate_id(c): c for c in _load_all(sorted((directory / "signers").glob("*.pem")))
        }
        revoked: set[tuple[str, int]] = set()
        for path in sorted(directory.glob("*.crl.pem")):
            try:
                crl = x509.load_pem_x509_crl(path.read_bytes())
            except ValueError as exc:
                raise ConfigurationError(f"{path} is not a revocation list: {exc}") from None
            issuer = next((r for r in roots if r.subject == crl.issuer), None)
            if issuer is None or not _crl_signed_by(crl, issuer):
                raise ConfigurationError(f"{path} is not signed by a root of this trust store")
            revoked.update((crl.issuer.rfc4514_string(), r.serial_number) for r in crl)
        return cls(roots=roots, revoked_serials=frozenset(revoked), signers=signers)

    def with_signers(self, certificates: Iterable[x509.Certificate]) -> TrustStore:
        """A copy that also knows ``certificates`` by ``kid`` (e.g. the paired meter's)."""
        signers = dict(self.signers)
        signers.update({certificate_id(c): c for c in certificates})
        return TrustStore(self.roots, self.revoked_serials, signers)

    def find_signer(self, kid: bytes) -> x509.Certificate | None:
        """The known signer certificate with this ``kid``, if any."""
        return self.signers.get(kid)

    def issuing_root(self, certificate: x509.Certificate) -> x509.Certificate | None:
        """The trusted root that signed ``certificate``, or ``None``."""
        for root in self.roots:
            try:
                certificate.verify_directly_issued_by(root)
            except (ValueError, TypeError, InvalidSignature):
                continue
            return root
        return None

    def is_revoked(self, certificate: x509.Certificate) -> bool:
        """Whether a verified CRL lists ``certificate``."""
        key = (certificate.issuer.rfc4514_string(), certificate.serial_number)
        return key in self.revoked_serials


def _load_all(paths: Iterable[Path]) -> Iterable[x509.Certificate]:
    for path in paths:
        try:
            yield load_certificate(path.read_bytes())
        except ValueError as exc:
            raise ConfigurationError(f"{path} is not a certificate: {exc}") from None


def _crl_signed_by(crl: x509.CertificateRevocationList, root: x509.Certificate) -> bool:
    key = root.public_key()
    return isinstance(key, ec.EllipticCurvePublicKey) and crl.is_signature_valid(key)
