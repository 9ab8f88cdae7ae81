"""How the meter pairs one link: LE Secure Connections with MITM protection, asked of the
person through the :class:`~meter_emulator.gatt.pairing_policy.PairingPolicy`, only while the
pairing window is open; Just Works and legacy pairing refused. Each refusal's reason is recorded
for the meter's ``pairing.failed {reason}`` event."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Final

from bumble import smp
from bumble.device import Connection
from bumble.pairing import PairingDelegate

from ihd_app.protocol.bumble_smp import SecureConnectionsOnlySession
from meter_emulator.gatt.pairing_policy import PairingMode, PairingPolicy
from meter_emulator.gatt.pairing_window import REASON_WINDOW_CLOSED
from meter_emulator.gatt.security import LinkSecurity

_LOG = logging.getLogger(__name__)

# Our own reasons for a failed pairing; SMP's reason names are used otherwise.
REASON_REJECTED: Final = "comparison-rejected"
REASON_JUST_WORKS: Final = "just-works-refused"
REASON_LEGACY: Final = "legacy-pairing-refused"
REASON_POLICY_ERROR: Final = "policy-error"


def describe_smp_reason(reason: int) -> str:
    if reason == smp.ErrorCode.NUMERIC_COMPARISON_FAILED:
        # What the IHD's person did (Linux sends this code; Bumble sends confirm-value-failed).
        return REASON_REJECTED
    with contextlib.suppress(ValueError):
        return smp.ErrorCode(reason).name.lower().replace("_", "-")
    return f"{reason:#04x}"


class LinkPairing:
    """What one link's pairing has shown so far."""

    def __init__(self) -> None:
        self.number: int | None = None
        self.passkey: int | None = None
        self.refusal: str | None = None


class MeterSecureConnectionsOnlySession(SecureConnectionsOnlySession):
    """The shared Secure Connections Only session, recording the refusal for the meter's
    ``pairing.failed {reason}`` event."""

    def legacy_refused(self) -> None:
        delegate = self.pairing_config.delegate
        if isinstance(delegate, MeterPairingDelegate):
            delegate.refuse(REASON_LEGACY)
        super().legacy_refused()


class MeterPairingDelegate(PairingDelegate):
    """Bumble's pairing delegate for one link, answering through the meter's policy.

    Args:
        connection: The link being paired.
        mode: The meter's pairing mode.
        policy: Answers the person's questions.
        security: Told when the pairing has MITM protection.
        window_open: Whether a new display may pair now.
        state: This link's pairing so far (where a refusal's reason is recorded).
        emit: One event of the ``--events`` stream.
    """

    def __init__(
        self,
        connection: Connection,
        *,
        mode: PairingMode,
        policy: PairingPolicy,
        security: LinkSecurity,
        window_open: Callable[[], bool],
        state: Callable[[], LinkPairing],
        emit: Callable[..., None],
    ) -> None:
        io_capability = (
            PairingDelegate.IoCapability.DISPLAY_OUTPUT_AND_YES_NO_INPUT
            if mode is PairingMode.NUMERIC_COMPARISON
            else PairingDelegate.IoCapability.DISPLAY_OUTPUT_ONLY
        )
        super().__init__(io_capability=io_capability)
        self._connection = connection
        self._policy = policy
        self._security = security
        self._window_open = window_open
        self._state = state
        self._emit = emit

    async def accept(self) -> bool:
        # A pairing request: a new display asks to join. Only while the window is open.
        if self._window_open():
            return True
        self.refuse(REASON_WINDOW_CLOSED)
        _LOG.warning(
            "pairing with %s refused: the pairing window is closed", self._connection.peer_address
        )
        return False

    def refuse(self, reason: str) -> None:
        """Record why the pairing is being refused (``pairing.failed {reason}``)."""
        self._state().refusal = reason

    async def confirm(self, auto: bool = False) -> bool:
        # Bumble asks this only for Just Works: the peer cannot authenticate the pairing.
        self._state().refusal = REASON_JUST_WORKS
        _LOG.warning("pairing with %s refused: Just Works", self._connection.peer_address)
        return False

    async def compare_numbers(self, number: int, digits: int) -> bool:
        state = self._state()
        state.number = number
        try:
            accepted = await self._policy.confirm(number)
        except Exception:
            _LOG.exception("the pairing policy failed")
            state.refusal = REASON_POLICY_ERROR
            return False
        if accepted and not self._window_open():
            # The person (or --headless) said yes after the window closed: too late to join.
            state.refusal = REASON_WINDOW_CLOSED
            return False
        if accepted:
            self._security.note_mitm(self._connection)
        else:
            state.refusal = REASON_REJECTED
        return bool(accepted)

    async def get_number(self) -> int | None:
        # The meter has no keyboard; Bumble never asks with our I/O capabilities.
        return None

    async def display_number(self, number: int, digits: int) -> None:
        self._state().passkey = number
        self._security.note_mitm(self._connection)
        # What the meter's screen shows, for a script playing the person who types it.
        self._emit(
            "pairing.passkey-display", peer=str(self._connection.peer_address), passkey=number
        )
        try:
            self._policy.display_passkey(number)
        except Exception:
            _LOG.exception("the pairing policy failed to show the passkey")


__all__ = [
    "LinkPairing",
    "MeterPairingDelegate",
    "MeterSecureConnectionsOnlySession",
    "describe_smp_reason",
]
