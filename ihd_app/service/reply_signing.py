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
#: The session of the last handshake: replies signed while the meter is away name it.
SESSION_SETTING = "meter.session"


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

    def address_to(self, meter_id: str, session: str | None) -> None:
        """Sign replies for meter ``meter_id`` in handshake session ``session`` from now on."""
        if session is not None:
            self._settings.set(SESSION_SETTING, session)
        self._signer = ReplySigner(
            self._identity,
            meter_id,
            session,
            lambda: _int_or_none(self._settings.get(COUNTER_SETTING)),
            lambda counter: self._settings.set(COUNTER_SETTING, counter),
            self._clock,
        )

    def resume(self, known: PairedMeter | None) -> None:
        """Sign replies for the paired meter from the start, before it is in range."""
        if known is not None and self._signer is None:
            session = self._settings.get(SESSION_SETTING)
            self.address_to(known.meter_id, session if isinstance(session, str) else None)

    def next_counter(self) -> int:
        """The display's next originator counter (the handshake's hello uses one too, so the
        counter never goes backwards whatever it signs)."""
        signer = self._signer or ReplySigner(
            self._identity,
            "",
            None,
            lambda: _int_or_none(self._settings.get(COUNTER_SETTING)),
            lambda counter: self._settings.set(COUNTER_SETTING, counter),
            self._clock,
        )
        return signer.next_counter()


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) else None
