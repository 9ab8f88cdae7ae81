"""PKI: roles, certificates, identities, the trust store, and making a fresh PKI."""

from ihd_app.protocol.pki.authority import STANDARD_IDENTITIES, IdentitySpec, create_pki
from ihd_app.protocol.pki.certificates import CertificateSummary, certificate_id, load_certificate
from ihd_app.protocol.pki.identity import Identity, available_identities, load_identity
from ihd_app.protocol.pki.roles import ROLE_EXTENSION_OID, Role, role_of
from ihd_app.protocol.pki.trust_store import TrustStore

__all__ = [
    "ROLE_EXTENSION_OID",
    "STANDARD_IDENTITIES",
    "CertificateSummary",
    "Identity",
    "IdentitySpec",
    "Role",
    "TrustStore",
    "available_identities",
    "certificate_id",
    "create_pki",
    "load_certificate",
    "load_identity",
    "role_of",
]
