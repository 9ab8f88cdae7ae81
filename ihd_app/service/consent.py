"""The consumer's data-sharing choices, per party × purpose × granularity with an expiry: kept,
listed with the purposes never asked as not allowed, and queued signed for the meter (which
enforces them) once per change."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from ihd_app.core.model import OutboxKind
from ihd_app.protocol.consent_terms import PURPOSES, Grant, Granularity, grants_to_details
from ihd_app.service.replies import ReplySigner
from ihd_app.store.consents import ConsentRepository
from ihd_app.store.outbox import Outbox

#: Who may ask the meter for data, each only with the consumer's consent or a licence.
CONSENT_PARTIES = tuple(sorted({p.party for p in PURPOSES}))
#: How long a consent lasts before the consumer is asked again (Ofgem: consent with an expiry;
#: a year, as GB suppliers renew half-hourly consent).
CONSENT_LIFETIME = timedelta(days=365)


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

    def all(self) -> Sequence[Grant]:
        """Every party's consent for each of its purposes; those never asked are listed as
        not allowed (dated at the epoch)."""
        stored = {(g.party, g.purpose): g for g in self._store.all()}
        never = datetime.fromtimestamp(0, UTC)
        return [
            stored.get((p.party, p.name), Grant(p.party, p.name, None, None, never))
            for p in PURPOSES
        ]

    def set(self, party: str, purpose: str, granularity: Granularity | None) -> Grant:
        """The consumer allowed ``party`` data for ``purpose`` at ``granularity`` for a year
        from now (``None``: refused, or withdrawn)."""
        now = self._clock()
        expires = now + CONSENT_LIFETIME if granularity is not None else None
        grant = Grant(party, purpose, granularity, expires, now)
        self._store.save(grant)
        self.queue()
        self._emit(
            "consent.changed",
            party=party,
            purpose=purpose,
            granularity=granularity.value if granularity is not None else "none",
            expires=expires.isoformat(timespec="seconds") if expires is not None else None,
        )
        self._changed()
        return grant

    def withdraw_all(self) -> None:
        """Every party loses its consent for every purpose (the consumer wiped the display's
        data, or is moving out).

        Kept as explicit refusals, dated now, and queued for the meter like any change: an
        empty list of choices would tell the meter nothing, and the meter would go on answering
        a party the consumer had once allowed. The outbox keeps the withdrawal until the meter
        confirms it, and it is queued again on every connection, so a meter away at the time
        gets it when it is back.
        """
        now = self._clock()
        keys = sorted(
            {(p.party, p.name) for p in PURPOSES}
            | {(g.party, g.purpose) for g in self._store.all()}
        )
        for party, purpose in keys:
            self._store.save(Grant(party, purpose, None, None, now))
        self.queue()
        self._emit("consent.withdrawn", parties=sorted({party for party, _ in keys}))
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
        envelope = signer.consent(grants_to_details(choices))
        self._outbox.enqueue(OutboxKind.CONSENT, key, envelope, self._clock())
        self._wake()
