"""Bond look-up on a Bumble Device's key store.

Bumble files a bond under the peer's *identity* address, the one the peer sends during pairing.
Bumble's own peripherals send their controller's public address as identity even when they
advertise (and are connected to) with a static random address, and a static random address
cannot be resolved to anything, so on the next connection the bond would not be found and the
link could not be encrypted. After pairing, :meth:`Bonds.remember` therefore also files the
long-term keys under the address that was dialled; :meth:`Bonds.forget` deletes every entry
sharing the bond's keys.
"""

from __future__ import annotations

import logging

from bumble import hci
from bumble.device import Device
from bumble.keys import KeyStore, PairingKeys

logger = logging.getLogger(__name__)


def long_term_key(keys: PairingKeys) -> PairingKeys.Key | None:
    """Return the key that encrypts a link with this bond (SC key first, then legacy keys)."""
    return keys.ltk or keys.ltk_central or keys.ltk_peripheral


def _key_values(keys: PairingKeys) -> set[bytes]:
    return {k.value for k in (keys.ltk, keys.ltk_central, keys.ltk_peripheral) if k is not None}


class Bonds:
    """The bonds of one Device.

    Args:
        device: The powered-on Bumble Device whose key store holds the bonds.
    """

    def __init__(self, device: Device) -> None:
        self._device = device

    @property
    def _store(self) -> KeyStore | None:
        return self._device.keystore

    async def find(self, *addresses: hci.Address) -> PairingKeys | None:
        """Return the bond filed under the first of ``addresses`` that has one, else ``None``."""
        store = self._store
        if store is None:
            return None
        for address in addresses:
            keys = await store.get(str(address))
            if keys is not None and long_term_key(keys) is not None:
                return keys
        return None

    async def remember(self, address: hci.Address, keys: PairingKeys) -> None:
        """File a bond's long-term keys also under ``address``.

        The copy carries only the long-term keys (no IRK), so Bumble never tries to resolve
        ``address`` as an identity address. Filing under the bond's own address is harmless:
        the key store merges the same keys into the entry.
        """
        store = self._store
        if store is None:
            return
        alias = PairingKeys(
            address_type=hci.AddressType(address.address_type),
            ltk=keys.ltk,
            ltk_central=keys.ltk_central,
            ltk_peripheral=keys.ltk_peripheral,
        )
        await store.update(str(address), alias)

    async def forget(self, *addresses: hci.Address) -> bool:
        """Delete the bond found under any of ``addresses`` and every entry sharing its keys.

        Returns:
            True when a bond was deleted.
        """
        store = self._store
        if store is None:
            return False
        keys = await self.find(*addresses)
        if keys is None:
            return False
        values = _key_values(keys)
        for name, other in await store.get_all():
            if _key_values(other) & values:
                await store.delete(name)
                logger.info("deleted the bond filed under %s", name)
        await self._device.refresh_resolving_list()
        return True
