"""The sending side of segmentation: one :class:`Segmenter` per direction of a link, cutting
each unit to the link's ATT MTU and numbering the units with transfer ids."""

from __future__ import annotations

from ihd_app.protocol.errors import EncodeError
from ihd_app.protocol.gatt_profile import DEFAULT_ATT_MTU
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.segmentation.wire import (
    MAX_UNIT_BYTES,
    TRANSFER_ID_MASK,
    TRANSFER_ID_MODULUS,
    segment,
    segment_size,
)


class Segmenter:
    """Segments the units one side sends in one direction, numbering them with transfer ids.

    Keep one instance per direction of a link (the transfer id is per sender); create a new one,
    or keep it, across reconnections: the receiver does not rely on the starting id.

    Args:
        mtu: The link's ATT MTU; update :attr:`mtu` after an MTU exchange.
        max_unit_bytes: Longest unit to accept.
        first_transfer_id: Transfer id of the first unit, 0-15.

    Raises:
        EncodeError: ``mtu`` or ``first_transfer_id`` is out of range (reason ``malformed``).
    """

    def __init__(
        self,
        mtu: int = DEFAULT_ATT_MTU,
        *,
        max_unit_bytes: int = MAX_UNIT_BYTES,
        first_transfer_id: int = 0,
    ) -> None:
        segment_size(mtu)
        if not 0 <= first_transfer_id <= TRANSFER_ID_MASK:
            raise EncodeError(Reason.MALFORMED, f"transfer id {first_transfer_id} is outside 0-15")
        self._mtu = mtu
        self._max_unit_bytes = max_unit_bytes
        self._next_transfer_id = first_transfer_id

    @property
    def mtu(self) -> int:
        """The ATT MTU segments are sized for."""
        return self._mtu

    @mtu.setter
    def mtu(self, value: int) -> None:
        segment_size(value)
        self._mtu = value

    @property
    def max_unit_bytes(self) -> int:
        """Longest unit accepted."""
        return self._max_unit_bytes

    @property
    def next_transfer_id(self) -> int:
        """Transfer id the next unit will carry."""
        return self._next_transfer_id

    def segment(self, unit: bytes) -> list[bytes]:
        """Cut a unit into segments with the next transfer id.

        A refused unit does not use up a transfer id.

        Args:
            unit: The unit to send.

        Returns:
            The segments in sending order.

        Raises:
            EncodeError: As :func:`segment`.
        """
        segments = segment(
            unit, self._mtu, self._next_transfer_id, max_unit_bytes=self._max_unit_bytes
        )
        self._next_transfer_id = (self._next_transfer_id + 1) % TRANSFER_ID_MODULUS
        return segments


__all__ = ["Segmenter"]
