"""What can go wrong on the link to the meter: one root, :class:`LinkError`, and the failures
retrying does not cure, which wait for someone to act."""

from __future__ import annotations

from ihd_app.link.pairing_failure import PairingFailure
from ihd_app.protocol.errors import IhdError


class LinkError(IhdError):
    """The meter could not be found, connected, paired or written to."""


class PairingRefusedError(LinkError):
    """Pairing was refused or failed (rejected comparison, wrong passkey): retrying will not help
    until someone acts.

    Attributes:
        reason: Why, as the ``pairing.failed`` event names it (:class:`PairingFailure`).
    """

    def __init__(self, message: str, reason: str = PairingFailure.FAILED) -> None:
        super().__init__(message)
        self.reason = reason


class MeterNotTrustedError(PairingRefusedError):
    """The device at the other end did not prove it is the display's meter, or the meter does
    not serve this display: nothing from it is used, and retrying will not help until someone
    acts (the supplier commissions the display, the consumer forgets a replaced meter).

    Attributes:
        reason: Why (:class:`ihd_app.protocol.session.HandshakeFailure` values).
        forget_bond: Delete the bond too (the meter deleted its side: a display it does not
            serve pairs again to come back).
    """

    def __init__(self, message: str, reason: str, *, forget_bond: bool = False) -> None:
        super().__init__(message, reason)
        self.forget_bond = forget_bond
