"""What the operators received of network data: every sealed answer and push the meter handed
them, opened with the requesting role's private key and checked against the trust store, kept
per request (a subscription's pushes in order) for the console's plot
(:mod:`meter_emulator.ui.models.network_data`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ihd_app.protocol.network_data import OpenedNetworkData, open_network_data
from ihd_app.protocol.pki import Identity, TrustStore


class NetworkDataInbox:
    """The operators' side of network data.

    Args:
        identity_of: The operators' identities by role (their private keys open).
        trust: The roots and revocations the meter's certificate must pass.
        clock: The wall clock (validity windows).
    """

    def __init__(
        self,
        identity_of: Callable[[str], Identity],
        trust: Callable[[], TrustStore],
        clock: Callable[[], datetime],
    ) -> None:
        self._identity_of = identity_of
        self._trust = trust
        self._clock = clock
        self._received: dict[str, list[OpenedNetworkData]] = {}
        self._listeners: list[Callable[[str, OpenedNetworkData], object]] = []

    def receive(self, role: str, key: str, sealed: bytes) -> OpenedNetworkData:
        """Open an answer sealed to ``role``'s certificate and keep it under request ``key``.

        Raises:
            SealedResponseError: The role's key cannot open it, or it fails a check.
        """
        opened = open_network_data(
            sealed, self._identity_of(role), self._trust(), now=self._clock(), request_key=key
        )
        self._received.setdefault(key, []).append(opened)
        for listener in list(self._listeners):
            listener(key, opened)
        return opened

    def received(self, key: str) -> list[OpenedNetworkData]:
        """What arrived for request or subscription ``key``, oldest first."""
        return list(self._received.get(key, ()))

    def requests(self) -> list[str]:
        """The requests anything arrived for, in the order they first did."""
        return list(self._received)

    def listen(self, listener: Callable[[str, OpenedNetworkData], object]) -> Callable[[], None]:
        """Call ``listener(key, opened)`` for each answer from now on; returns the undo."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)


__all__ = ["NetworkDataInbox"]
