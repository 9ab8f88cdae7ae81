"""The Privacy screen's side of the display service: consent per party and purpose, the
household's data-access log, wiping the display, and moving out.

Moving out (change of occupier) wipes the household's personal data and withdraws every consent
at the meter like a wipe, keeps the security log (it records what was sent to the home, not
what the household did), and forgets the meter (its bond and identity) once the meter has
confirmed the withdrawal: forgetting it first would leave the withdrawal with no way to reach
the meter, and the meter answering whoever the household had allowed. A move-out that waits
for the meter survives a restart (``settings['moving_out']``).
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from ihd_app.core.data_access import DataAccess
from ihd_app.core.model import OutboxKind
from ihd_app.protocol.consent_terms import Grant, Granularity
from ihd_app.protocol.events import EventLog
from ihd_app.service.api import Topic
from ihd_app.service.consent import ConsentSharing
from ihd_app.service.inbox_keeper import InboxKeeper
from ihd_app.service.live_readings import LiveReadings
from ihd_app.store.data_access import DataAccessLog
from ihd_app.store.database import Database
from ihd_app.store.outbox import Outbox
from ihd_app.store.settings import Settings
from ihd_app.store.wipe import wipe_personal_data

#: The setting that says a move-out waits for the meter to confirm the withdrawal.
MOVING_OUT = "moving_out"


class PrivacyControls:
    """What :class:`~ihd_app.service.ihd_service.IhdService` offers the Privacy screen (part
    of :class:`~ihd_app.service.api.IhdServiceApi`); mixed into the service, whose stores it
    uses."""

    db: Database
    events: EventLog
    settings: Settings
    outbox: Outbox
    access_store: DataAccessLog
    _consent: ConsentSharing
    _inbox: InboxKeeper
    _readings: LiveReadings
    _clock: Callable[[], datetime]
    _notify: Callable[..., None]

    #: The service's own: forget the paired meter (its bond and identity).
    forget_meter: Callable[[], Coroutine[Any, Any, None]]

    def consents(self) -> Sequence[Grant]:
        """Every party's consent per purpose; those never asked are listed as not allowed."""
        return self._consent.all()

    async def set_consent(self, party: str, purpose: str, granularity: Granularity | None) -> None:
        self._consent.set(party, purpose, granularity)

    def data_access_log(self, limit: int | None = None) -> Sequence[DataAccess]:
        return self.access_store.entries(limit)

    def export_data_access(self, path: Path) -> int:
        count = self.access_store.export(path)
        self.events.emit("data.access.exported", path=str(path), entries=count)
        return count

    async def wipe_local_data(self) -> None:
        rows = self._wipe(keep_security_log=False)
        self.events.emit("privacy.wiped", rows=rows)

    @property
    def moving_out(self) -> bool:
        """A move-out waits for the meter to confirm the withdrawal of every consent."""
        return self.settings.get(MOVING_OUT) is not None

    async def move_out(self) -> None:
        """The household is leaving: wipe its data, withdraw its consents at the meter, and
        forget the meter once the meter has them (see the module's docstring)."""
        rows = self._wipe(keep_security_log=True)
        self.settings.set(MOVING_OUT, self._clock().isoformat())
        self.events.emit(
            "occupier.moving-out",
            rows=rows,
            kept="security log, replay counters, tariffs, settings",
        )
        self._notify(Topic.CONSENT, "moving out")
        await self.finish_moving_out()

    async def finish_moving_out(self) -> bool:
        """Forget the meter if a move-out waits and the meter has confirmed the withdrawal;
        whether the move-out is complete (called again when a consent change is delivered)."""
        if not self.moving_out:
            return False
        if any(item.kind is OutboxKind.CONSENT for item in self.outbox.pending()):
            return False
        await self.forget_meter()
        self.settings.delete(MOVING_OUT)
        self.events.emit("occupier.moved-out")
        self._notify(Topic.LINK, "moved out")
        return True

    def _wipe(self, *, keep_security_log: bool) -> int:
        counts = wipe_personal_data(self.db, keep_security_log=keep_security_log)
        # Whatever the consumer had allowed is withdrawn at the meter too, which enforces it.
        self._consent.withdraw_all()
        self._inbox.reload()
        self._readings.clear()
        for topic in (
            Topic.INBOX,
            Topic.SECURITY_LOG,
            Topic.READING,
            Topic.CONSENT,
            Topic.DATA_ACCESS,
            Topic.LINK,
        ):
            self._notify(topic)
        return sum(counts.values())
