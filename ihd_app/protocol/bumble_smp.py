"""Bumble's SMP session in Secure Connections Only mode, for both ends of the link.

The profile requires LE Secure Connections with MITM protection. Bumble, when the peer does not
offer Secure Connections, falls back to legacy pairing, and legacy Just Works completes without
ever asking the pairing delegate: a peer with no display and no input would get an
unauthenticated bond. In Secure Connections Only mode (Core Vol 3 Part H 2.3.5.1) such a
pairing is refused with Authentication Requirements (0x03) before any key is made, whether the
peer asked (we respond, the meter) or answered (we initiate, the display).
"""

from __future__ import annotations

import logging

from bumble import smp

logger = logging.getLogger(__name__)


class SecureConnectionsOnlySession(smp.Session):
    """Refuses legacy pairing in either role; see the module's docstring.

    Install with ``device.smp_session_proxy = SecureConnectionsOnlySession`` (a subclass may
    override :meth:`legacy_refused` to record why).
    """

    def legacy_refused(self) -> None:
        """Called once when a legacy pairing is refused (before the refusal is sent)."""
        logger.warning("pairing with %s refused: legacy pairing", self.connection.peer_address)

    def _refuse_legacy(self) -> None:
        self.legacy_refused()
        self.send_pairing_failed(smp.ErrorCode.AUTHENTICATION_REQUIREMENTS)

    async def on_smp_pairing_request_command_async(
        self, command: smp.SMP_Pairing_Request_Command
    ) -> None:
        if not command.auth_req & smp.AuthReq.SC:
            self._refuse_legacy()
            return
        await super().on_smp_pairing_request_command_async(command)

    def on_smp_pairing_response_command(self, command: smp.SMP_Pairing_Response_Command) -> None:
        if self.is_initiator and not command.auth_req & smp.AuthReq.SC:
            self._refuse_legacy()
            return
        super().on_smp_pairing_response_command(command)
