"""Roles a certificate can carry, and the certificate extension that carries them."""

from __future__ import annotations

from enum import StrEnum

from cryptography import x509

#: OID of our role extension. It lives under the UUID arc 2.25 (ITU-T X.667), which needs no
#: registration: the integer is a fixed random UUID, so it cannot collide with anyone's OID.
ROLE_EXTENSION_OID = x509.ObjectIdentifier("2.25.167573914366829916512451309542458351941")


class Role(StrEnum):
    """Who signed a message, as asserted by the signer's certificate."""

    DNO = "dno"
    GDN = "gdn"
    SUPPLIER = "supplier"
    METER = "meter"
    IHD = "ihd"

    @property
    def display_name(self) -> str:
        """How the role is named to a consumer."""
        return _TITLES[self]


_TITLES: dict[Role, str] = {
    Role.DNO: "Electricity network operator (DNO)",
    Role.GDN: "Gas network operator (GDN)",
    Role.SUPPLIER: "Energy supplier",
    Role.METER: "Your smart meter",
    Role.IHD: "In-home display",
}


def encode_role_extension(role: Role) -> x509.UnrecognizedExtension:
    """The role as a DER UTF8String inside our private extension."""
    value = role.value.encode("ascii")
    # DER UTF8String: tag 0x0C, short-form length (role names are far below 128 bytes).
    return x509.UnrecognizedExtension(ROLE_EXTENSION_OID, bytes([0x0C, len(value)]) + value)


def role_of(certificate: x509.Certificate) -> Role | None:
    """The role a certificate asserts, or ``None`` if it has no valid role extension."""
    try:
        extension = certificate.extensions.get_extension_for_oid(ROLE_EXTENSION_OID)
    except (x509.ExtensionNotFound, ValueError):
        return None
    raw = extension.value
    if not isinstance(raw, x509.UnrecognizedExtension):
        return None
    der = raw.value
    if len(der) < 2 or der[0] != 0x0C or der[1] != len(der) - 2:
        return None
    try:
        return Role(der[2:].decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return None
