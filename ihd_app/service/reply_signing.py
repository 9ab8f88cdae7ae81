"""Which signer the display's replies go out with: one addressed to its paired meter, made at
start for a meter paired before (an acknowledgement given while the meter is away waits in the
outbox instead of being dropped for want of someone to address it to) and again on every
connection, its counter kept in the settings so it never goes backwards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ihd_app.core.model import PairedMeter
from ihd_app.protocol.pki import Identity
from ihd_app.service.replies import ReplySigner
from ihd_app.store.settings import Settings

COUNTER_SETTING = "ihd.reply_counter"


class ReplySigning:
    """Holds the display's current reply signer.

    Args:
        identity: The display's identity (role ``ihd``).
        settings: Where the last counter used is kept.
        clock: Current time.
    """

    def __init__(
        self, identity: Identity, settings: Settings, clock: Callable[[], datetime]
    ) -> None:
        self._identity = identity
        self._settings = settings
        self._clock = clock
        self._signer: ReplySigner | None = None

    def current(self) -> ReplySigner | None:
        """The signer, once a meter is known."""
        return self._signer

    def address_to(self, meter_id: str) -> None:
        """Sign replies for meter ``meter_id`` from now on."""
        self._signer = ReplySigner(
            self._identity,
            meter_id,
            lambda: _int_or_none(self._settings.get(COUNTER_SETTING)),
            lambda counter: self._settings.set(COUNTER_SETTING, counter),
            self._clock,
        )

    def resume(self, known: PairedMeter | None) -> None:
        """Sign replies for the paired meter from the start, before it is in range."""
        if known is not None and self._signer is None:
            self.address_to(known.meter_id)


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None
