"""The security state of a link, and the pairing events a client reports.

Both are plain values, so the UI (security badge), the headless event log
(``link.paired {authenticated, bonded}``) and the security log can take them as they are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum


@dataclass(frozen=True)
class LinkSecurity:
    """How well one link is protected, as seen by the central.

    Attributes:
        encrypted: The link is encrypted (AES-CCM).
        authenticated: The key in use came from a MITM-protected pairing (numeric comparison or
            passkey), not Just Works.
        bonded: Keys for this peer are stored and will be reused on the next connection.
        key_size: Encryption key size in bytes when the controller reports it, else ``None``.
        secure_connections: The key came from LE Secure Connections pairing (not legacy).
    """

    encrypted: bool = False
    authenticated: bool = False
    bonded: bool = False
    key_size: int | None = None
    secure_connections: bool = False


#: The security of a link that is not there or not protected at all.
UNPROTECTED = LinkSecurity()


class PairingEventKind(StrEnum):
    """What happened to a link's security."""

    #: Pairing (key generation with the peer) started.
    STARTED = "started"
    #: Pairing finished; the link is encrypted with the new key.
    PAIRED = "paired"
    #: Pairing failed or was refused by either side.
    FAILED = "failed"
    #: The link was encrypted with the key of an existing bond (no pairing needed).
    ENCRYPTED_WITH_BOND = "encrypted-with-bond"
    #: The peer refused the stored key (it has forgotten the bond); pair again.
    BOND_REFUSED = "bond-refused"
    #: The bond with this peer was deleted.
    UNPAIRED = "unpaired"


@dataclass(frozen=True)
class PairingEvent:
    """One change of a link's security, reported through ``on_pairing_event``.

    Attributes:
        kind: What happened.
        address: The peer's address as bleak shows it (``AA:BB:CC:DD:EE:FF``).
        security: The link's security right after the event.
        detail: One sentence for logs and the UI (empty when the kind says it all).
    """

    kind: PairingEventKind
    address: str
    security: LinkSecurity
    detail: str = ""


#: Signature of the ``on_pairing_event`` hook.
PairingEventCallback = Callable[[PairingEvent], None]
