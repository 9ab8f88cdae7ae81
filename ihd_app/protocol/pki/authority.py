"""Making a PKI: a root, the identities it certifies, a revocation list, and a trust store.

A PKI directory has this layout (``meter-emulator pki init DIR`` writes it; the committed demo
PKI in ``resources/pki/demo`` is one)::

    README.txt                       what this is (DEMO keys are public: never for production)
    root/certificate.pem             the root ("SMKI root") certificate
    root/private-key.pem
    identities/<name>/certificate.pem  one folder per identity (dno, gdn, supplier, meter, ihd,
    identities/<name>/private-key.pem  and the deliberately broken ones used by the attack console)
    trust/roots/root.pem             the trust store the IHD and the meter verify against
    trust/revoked.crl.pem            the root's signed certificate revocation list
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ihd_app.protocol.pki.roles import Role, encode_role_extension

ROOT_DIR = "root"
IDENTITIES_DIR = "identities"
TRUST_DIR = "trust"
CERTIFICATE_FILE = "certificate.pem"
PRIVATE_KEY_FILE = "private-key.pem"
CRL_FILE = "revoked.crl.pem"


@dataclass(frozen=True)
class IdentitySpec:
    """An identity to issue.

    Attributes:
        name: Folder name under ``identities/``.
        entity_id: EUI-64 put in the subject common name.
        organisation: Human-readable name put in the subject O attribute.
        role: Role written into the role extension.
        issuer: ``"root"`` for the PKI's root, ``"rogue"`` for a root nobody trusts.
        revoked: Put the certificate on the root's revocation list.
        expired: Issue it with a validity period that ended years ago.
    """

    name: str
    entity_id: str
    organisation: str
    role: Role
    issuer: str = "root"
    revoked: bool = False
    expired: bool = False


#: The identities every PKI made here has. The last three exist so the attack console and the
#: test vectors can show the IHD refusing an untrusted, a revoked and an expired signer.
STANDARD_IDENTITIES: tuple[IdentitySpec, ...] = (
    IdentitySpec("dno", "90-B3-D5-1F-30-01-00-01", "Northern Power Distribution", Role.DNO),
    IdentitySpec("gdn", "90-B3-D5-1F-30-02-00-01", "Midlands Gas Networks", Role.GDN),
    IdentitySpec("supplier", "90-B3-D5-1F-30-03-00-01", "Brightwater Energy Supply", Role.SUPPLIER),
    IdentitySpec(
        "meter", "00-1D-A6-00-00-00-00-01", "Smart meter (electricity and gas)", Role.METER
    ),
    IdentitySpec("ihd", "00-1D-A6-00-00-00-01-01", "In-home display", Role.IHD),
    IdentitySpec(
        "ihd-2", "00-1D-A6-00-00-00-01-02", "Second display (consumer access device)", Role.IHD
    ),
    IdentitySpec(
        "rogue-dno", "90-B3-D5-1F-30-01-66-66", "Rogue DNO (untrusted root)", Role.DNO, "rogue"
    ),
    IdentitySpec(
        "revoked-supplier",
        "90-B3-D5-1F-30-03-00-99",
        "Former supplier (certificate revoked)",
        Role.SUPPLIER,
        revoked=True,
    ),
    IdentitySpec(
        "expired-dno",
        "90-B3-D5-1F-30-01-00-42",
        "DNO with an expired certificate",
        Role.DNO,
        expired=True,
    ),
)


def _name(common_name: str, organisation: str, label: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, label),
        ]
    )


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _write_cert(path: Path, certificate: x509.Certificate) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _make_root(
    common_name: str, label: str, not_before: datetime, not_after: datetime
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(common_name, label, label)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def _issue(
    spec: IdentitySpec,
    label: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    issuer_cert: x509.Certificate,
    not_before: datetime,
    not_after: datetime,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(spec.entity_id, spec.organisation, label))
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
        .add_extension(encode_role_extension(spec.role), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )
    return key, certificate


def create_pki(
    directory: Path,
    *,
    label: str = "Private PKI",
    now: datetime | None = None,
    validity_years: int = 20,
    identities: Iterable[IdentitySpec] = STANDARD_IDENTITIES,
) -> None:
    """Create a fresh PKI in ``directory`` (which must be empty or absent).

    Args:
        directory: Where to write the layout described in the module docstring.
        label: Written into every certificate's O/OU so nobody mistakes it for another PKI
            (the committed demo uses ``"DEMO SMKI - not for production"``).
        now: Start of validity; defaults to the current time (a day earlier, for clock skew).
        validity_years: How long the root and the normal identities stay valid.
        identities: What to issue.

    Raises:
        FileExistsError: ``directory`` exists and is not empty.
    """
    if directory.exists() and any(directory.iterdir()):
        raise FileExistsError(f"{directory} is not empty; refusing to overwrite a PKI")
    start = (now or datetime.now(UTC)) - timedelta(days=1)
    end = start + timedelta(days=365 * validity_years)
    root_key, root_cert = _make_root(f"{label} root", label, start, end)
    rogue_key, rogue_cert = _make_root("Rogue root (not in any trust store)", "Rogue", start, end)
    _write_key(directory / ROOT_DIR / PRIVATE_KEY_FILE, root_key)
    _write_cert(directory / ROOT_DIR / CERTIFICATE_FILE, root_cert)
    _write_cert(directory / TRUST_DIR / "roots" / "root.pem", root_cert)

    revoked: list[x509.Certificate] = []
    for spec in identities:
        issuer_key, issuer_cert = (
            (rogue_key, rogue_cert) if spec.issuer == "rogue" else (root_key, root_cert)
        )
        if spec.expired:
            not_before, not_after = start - timedelta(days=3 * 365), start - timedelta(days=365)
        else:
            not_before, not_after = start, end
        key, certificate = _issue(spec, label, issuer_key, issuer_cert, not_before, not_after)
        folder = directory / IDENTITIES_DIR / spec.name
        _write_key(folder / PRIVATE_KEY_FILE, key)
        _write_cert(folder / CERTIFICATE_FILE, certificate)
        if spec.revoked:
            revoked.append(certificate)

    crl = x509.CertificateRevocationListBuilder().issuer_name(root_cert.subject)
    crl = crl.last_update(start).next_update(end)
    for certificate in revoked:
        crl = crl.add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(certificate.serial_number)
            .revocation_date(start)
            .build()
        )
    crl_der = crl.sign(root_key, hashes.SHA256())
    (directory / TRUST_DIR / CRL_FILE).write_bytes(crl_der.public_bytes(serialization.Encoding.PEM))
    (directory / "README.txt").write_text(
        f"{label}\n\n"
        "A smart-metering PKI made by `meter-emulator pki init`: a root, the identities it\n"
        "certifies (each certificate carries its role in extension "
        "2.25.167573914366829916512451309542458351941),\n"
        "and trust/ (roots + signed revocation list) to pass as --trust to `ihd`.\n"
        "The private keys are stored unencrypted: keep this directory private.\n",
        encoding="utf-8",
    )
