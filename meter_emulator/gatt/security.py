"""Which of the meter's links are encrypted with an authenticated (MITM-protected) key.

Bumble's own notion is too weak for the profile: ``Connection.authenticated`` becomes true on any
completed pairing and on any LE encryption, Just Works included, so Bumble's
``READ_REQUIRES_AUTHENTICATION`` alone would let an unauthenticated pairing through. This module
tracks the real property per connection:

- a fresh pairing counts once the pairing delegate has seen the person confirm the numeric
  comparison or has displayed the passkey (:meth:`LinkSecurity.note_mitm`), and the final verdict
  is taken from the keys when the pairing completes: an LE Secure Connections key (Bumble keeps
  it as ``ltk``) marked authenticated;
- a bonded IHD that reconnects and encrypts with its stored key counts if the key store says
  that key was authenticated.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from bumble.device import Connection, Device
from bumble.keys import PairingKeys

_LOG = logging.getLogger(__name__)


def keys_are_authenticated(keys: PairingKeys | None, *, require_sc: bool = True) -> bool:
    """Return whether pairing keys come from an authenticated (MITM) pairing.

    Args:
        keys: Keys from a pairing or the key store.
        require_sc: Accept only LE Secure Connections keys (Bumble stores those as ``ltk``;
            legacy pairing leaves ``ltk_central`` / ``ltk_peripheral`` instead).

    Returns:
        Whether the long-term key the meter encrypts with is marked authenticated.
    """
    if keys is None:
        return False
    if keys.ltk is not None:
        return keys.ltk.authenticated
    # Legacy pairing: as peripheral the meter encrypts with the key it distributed itself.
    return not require_sc and keys.ltk_peripheral is not None and keys.ltk_peripheral.authenticated


@dataclass
class _LinkState:
    mitm_confirmed: bool = False
    authenticated: bool = False
    bonded: bool = False
    lookup: asyncio.Task[None] | None = None
    listeners: list[tuple[str, Callable[..., None]]] = field(default_factory=list)


class LinkSecurity:
    """Tracks, per connection of one device, whether it is encrypted with an authenticated key.

    Create it before the device is powered on; it follows the device's connections by itself.

    Args:
        device: The meter's Bumble device.
        require_sc: Count only LE Secure Connections keys as authenticated.
    """

    def __init__(self, device: Device, *, require_sc: bool = True) -> None:
        self._device = device
        self._require_sc = require_sc
        self._links: dict[Connection, _LinkState] = {}
        self._lookups: set[asyncio.Task[None]] = set()
        device.on(Device.EVENT_CONNECTION, self._on_connection)

    def is_authenticated(self, connection: Connection) -> bool:
        """Whether the link is encrypted with an authenticated key, as known right now.

        A bonded IHD's key store look-up runs just after encryption; :meth:`check` waits for it.
        """
        state = self._links.get(connection)
        return state is not None and connection.is_encrypted and state.authenticated

    def is_bonded(self, connection: Connection) -> bool:
        """Whether the link's keys are (or were just) stored in the key store."""
        state = self._links.get(connection)
        return state is not None and state.bonded

    async def check(self, connection: Connection) -> bool:
        """Whether the link is encrypted with an authenticated key, after any pending look-up."""
        state = self._links.get(connection)
        if state is not None and state.lookup is not None and not state.lookup.done():
            # wait() rather than await: a look-up cancelled by a disconnection must not
            # cancel the ATT request that is waiting on it.
            await asyncio.wait({state.lookup})
        return self.is_authenticated(connection)

    def note_mitm(self, connection: Connection) -> None:
        """Record that the person confirmed the comparison or was shown the passkey."""
        state = self._links.get(connection)
        if state is not None:
            state.mitm_confirmed = True

    async def close(self) -> None:
        """Stop following the device and cancel look-ups in flight."""
        self._device.remove_listener(Device.EVENT_CONNECTION, self._on_connection)
        for connection in list(self._links):
            self._forget(connection)
        lookups, self._lookups = self._lookups, set()
        for task in lookups:
            task.cancel()
        await asyncio.gather(*lookups, return_exceptions=True)

    def _on_connection(self, connection: Connection) -> None:
        state = _LinkState()
        self._links[connection] = state

        def on_encryption_change() -> None:
            self._on_encryption_change(connection)

        def on_pairing(keys: PairingKeys) -> None:
            self._on_pairing(connection, keys)

        def on_pairing_failure(_reason: int) -> None:
            state.mitm_confirmed = False

        def on_disconnection(_reason: int) -> None:
            self._forget(connection)

        state.listeners = [
            (connection.EVENT_CONNECTION_ENCRYPTION_CHANGE, on_encryption_change),
            (connection.EVENT_CONNECTION_ENCRYPTION_KEY_REFRESH, on_encryption_change),
            (connection.EVENT_PAIRING, on_pairing),
            (connection.EVENT_PAIRING_FAILURE, on_pairing_failure),
            (connection.EVENT_DISCONNECTION, on_disconnection),
        ]
        for event, listener in state.listeners:
            connection.on(event, listener)

    def _on_encryption_change(self, connection: Connection) -> None:
        state = self._links.get(connection)
        if state is None:
            return
        if not connection.is_encrypted:
            state.authenticated = False
        elif state.mitm_confirmed:
            # A pairing in progress that a person confirmed; the verdict is refined when the
            # keys arrive (see _on_pairing).
            state.authenticated = True
        elif state.lookup is None or state.lookup.done():
            task = asyncio.ensure_future(self._look_up_bond(connection, state))
            state.lookup = task
            self._lookups.add(task)
            task.add_done_callback(self._lookups.discard)

    async def _look_up_bond(self, connection: Connection, state: _LinkState) -> None:
        keystore = self._device.keystore
        if keystore is None:
            return
        try:
            keys = await keystore.get(str(connection.peer_address))
        except Exception:
            # A damaged key store must not take the link down; the link stays unauthenticated.
            _LOG.exception("reading the key store for %s failed", connection.peer_address)
            return
        if state.mitm_confirmed:
            return  # a fresh pairing overtook the look-up and decides instead
        state.authenticated = keys_are_authenticated(keys, require_sc=self._require_sc)
        state.bonded = keys is not None

    def _on_pairing(self, connection: Connection, keys: PairingKeys) -> None:
        state = self._links.get(connection)
        if state is None:
            return
        state.authenticated = keys_are_authenticated(keys, require_sc=self._require_sc)
        state.mitm_confirmed = False
        state.bonded = pairing_bonded(self._device, connection)

    def _forget(self, connection: Connection) -> None:
        state = self._links.pop(connection, None)
        if state is None:
            return
        for event, listener in state.listeners:
            connection.remove_listener(event, listener)
        if state.lookup is not None:
            state.lookup.cancel()


def pairing_bonded(device: Device, connection: Connection) -> bool:
    """Return whether the pairing just completed on ``connection`` made a bond.

    Bumble stores the keys of every pairing in the key store, bonding or not, and reports the
    negotiated bonding flag only on its SMP session (kept until the link drops on the responder
    side), so the flag is read there.

    Args:
        device: The device that paired.
        connection: The link that just paired.

    Returns:
        Whether both sides asked for bonding and a key store keeps the keys.
    """
    if device.keystore is None:
        return False
    session = device.smp_manager.sessions.get(connection.handle)
    return bool(getattr(session, "bonding", True))
