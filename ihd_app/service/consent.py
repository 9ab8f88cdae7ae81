"""The consumer's data-sharing choices: kept, listed with the parties never asked as not
allowed, and queued signed for the meter (which enforces them) once per change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from ihd_app.core.model import Consent, OutboxKind
from ihd_app.service.replies import ReplySigner
from ihd_app.store.consents import ConsentRepository
from ihd_app.store.outbox import Outbox

#: Who may ask the meter for half-hourly data, each only with the consumer's consent.
CONSENT_PARTIES = ("dno", "gdn", "supplier")


class ConsentSharing:
    """Keeps the consumer's choices and tells the meter about them.

    Args:
        store: Where the choices are kept.
        outbox: Where the signed choices wait for delivery.
        signer: The display's reply signer, once a meter is known.
        emit: Where DESIGN.md §8 events go.
        changed: Called when a choice changed.
        wake: Wakes the delivery loop.
        clock: Current time.
    """

    def __init__(
        self,
        store: ConsentRepository,
        outbox: Outbox,
        *,
        signer: Callable[[], ReplySigner | None],
        emit: Callable[..., Any],
        changed: Callable[[], None],
        wake: Callable[[], None],
        clock: Callable[[], datetime],
    ) -> None:
        self._store = store
        self._outbox = outbox
        self._signer = signer
        self._emit = emit
        self._changed = changed
        self._wake = wake
        self._clock = clock

    def all(self) -> Sequence[Consent]:
        """Every party's consent; parties never asked are listed as not allowed."""
        stored = {c.party: c for c in self._store.all()}
        never = datetime.fromtimestamp(0, UTC)
        for party in CONSENT_PARTIES:
            stored.setdefault(party, Consent(party, False, never))
        return sorted(stored.values(), key=lambda c: c.party)

    def set(self, party: str, allowed: bool) -> None:
        """The consumer allowed (or stopped) ``party`` taking half-hourly data."""
        now = self._clock()
        self._store.save(Consent(party, allowed, now))
        self.queue()
        self._emit("consent.changed", party=party, allowed=allowed)
        self._changed()

    def withdraw_all(self) -> None:
        """Every party loses its consent (the consumer wiped the display's data).

        Kept as explicit refusals, dated now, and queued for the meter like any change: an
        empty list of choices would tell the meter nothing, and the meter would go on answering
        a party the consumer had once allowed. The outbox keeps the withdrawal until the meter
        confirms it, and it is queued again on every connection, so a meter away at the time
        gets it when it is back.
        """
        now = self._clock()
        parties = sorted({*CONSENT_PARTIES, *(c.party for c in self._store.all())})
        for party in parties:
            self._store.save(Consent(party, False, now))
        self.queue()
        self._emit("consent.withdrawn", parties=parties)
        self._changed()

    def queue(self) -> None:
        """Queue the consumer's choices for the meter, once per change.

        Called on every change and on every connection: a choice made while no meter was known
        (no signer yet) or while the link was down still reaches the meter, which enforces it.
        """
        choices = self._store.all()
        signer = self._signer()
        if signer is None or not choices:
            return
        key = f"consent:{max(c.changed_at for c in choices).isoformat()}"
        if self._outbox.get(key) is not None:
            return  # this state of the choices is queued or delivered already
        envelope = signer.consent({c.party: c.allowed for c in choices})
        self._outbox.enqueue(OutboxKind.CONSENT, key, envelope, self._clock())
        self._wake()
