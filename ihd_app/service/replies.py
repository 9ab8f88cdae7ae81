"""IHD-signed replies: receipts, "displayed", acknowledgements, error notifications, consent,
history requests.

Each reply is an envelope signed with the display's own identity, addressed to the meter, with
a counter that never goes backwards, even across restarts: the counter is the larger of the last
one used (persisted by the caller) plus one and the current time in milliseconds.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.claims import DetailValue
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl import Endpoint

#: Replies stay valid for a day: an outbox may hold them through a long outage of the link.
REPLY_VALIDITY = timedelta(days=1)


class ReplySigner:
    """Signs the display's replies.

    Args:
        identity: The display's identity (role ``ihd``).
        meter_id: The paired meter's id (``aud``), as the handshake proved it.
        session: The handshake's session id, put in every reply's details (the meter refuses a
            reply naming a session it did not open with this display); ``None`` before the
            first handshake.
        last_counter: Loads the last counter used (``None`` if never).
        save_counter: Persists a counter before the envelope carrying it leaves.
        clock: Current time.
    """

    def __init__(
        self,
        identity: Identity,
        meter_id: str,
        session: str | None,
        last_counter: Callable[[], int | None],
        save_counter: Callable[[int], None],
        clock: Callable[[], datetime],
    ) -> None:
        self._identity = identity
        self._meter_id = meter_id
        self._session = session
        self._last_counter = last_counter
        self._save_counter = save_counter
        self._clock = clock

    def next_counter(self) -> int:
        """The next originator counter, saved before it is used."""
        return self._next_counter()

    def _next_counter(self) -> int:
        last = self._last_counter()
        counter = max((last or 0) + 1, time.time_ns() // 1_000_000)
        self._save_counter(counter)
        return counter

    def sign(self, request: MessageRequest, details: Mapping[str, object] | None = None) -> bytes:
        """Compose and sign ``request`` as the display."""
        now = self._clock()
        payload, composed = compose(request)
        if details:
            composed.update(details)  # type: ignore[arg-type]
        if self._session is not None:
            composed["session"] = self._session
        claims = new_claims(
            self._identity,
            request.type_name,
            self._meter_id,
            self._next_counter(),
            issued_at=now,
            valid_for=REPLY_VALIDITY,
            details=composed,
            token_id=os.urandom(16),
        )
        # Within a session the meter verified this display's certificate in the handshake,
        # so the key id is enough (docs/protocol.md §5.3): about 450 bytes less per reply.
        return sign_envelope(
            self._identity, claims, payload, embed_certificate=self._session is None
        )

    def receipt(self, message_id: int, key: str, fuel: Endpoint) -> bytes:
        """Delivery receipt for message ``key``."""
        return self.sign(
            MessageRequest(
                "message.receipt",
                message_id=message_id,
                refers_to=key,
                fuel=fuel,
                at=self._clock(),
            )
        )

    def displayed(self, message_id: int, key: str, fuel: Endpoint) -> bytes:
        """ "Message displayed" for message ``key``."""
        return self.sign(
            MessageRequest(
                "message.displayed",
                message_id=message_id,
                refers_to=key,
                fuel=fuel,
                at=self._clock(),
            )
        )

    def confirmation(self, message_id: int, key: str, fuel: Endpoint, at: datetime) -> bytes:
        """The consumer's acknowledgement (ZCL MessageConfirmation) of message ``key``."""
        return self.sign(
            MessageRequest(
                "message.confirmation",
                message_id=message_id,
                refers_to=key,
                fuel=fuel,
                answer_yes=True,
                at=at,
            )
        )

    def error(self, reason: Reason, refers_to: str, claimed_originator: str) -> bytes:
        """Error notification (reason and timestamp) about a refused envelope."""
        return self.sign(
            MessageRequest(
                "error.notification", reason=reason, refers_to=refers_to, at=self._clock()
            ),
            {"claimed_originator": claimed_originator},
        )

    def consent(self, grants: Sequence[Mapping[str, DetailValue]]) -> bytes:
        """The consumer's data-sharing choices (every party and purpose)."""
        return self.sign(MessageRequest("consent.update", grants=grants, at=self._clock()))

    def history_request(self, fuel: Endpoint, end: datetime, periods: int) -> bytes:
        """Ask for ``periods`` half hours of history ending at ``end``."""
        return self.sign(
            MessageRequest("history.request", periods=periods, end=end, fuel=fuel, at=self._clock())
        )
