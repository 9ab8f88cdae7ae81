"""The meter's own messages to the IHD (threshold warnings, outage, voltage and safety notices):
composed and signed as the meter, addressed to the IHD, given a row in the status table (which
supersedes the meter's earlier row of the same message id) and queued for delivery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import Identity
from meter_emulator.delivery import Origin
from meter_emulator.ihd_delivery import IhdDelivery
from meter_emulator.operator.status import FINAL, MessageRecord, StatusTable

#: How long the meter's own messages stay valid (a display away for a day still gets them).
METER_MESSAGE_VALIDITY = timedelta(hours=24)


class MeterMessages:
    """Sends messages as the meter.

    Args:
        identity: The meter's identity.
        ihd_id: Who the meter's messages are addressed to (``aud``).
        next_counter: The next originator counter for an identity (persisted).
        status: The status table.
        delivery: The store-and-forward queue's way to the IHD.
        events: Where events go.
        clock: The wall clock.
    """

    def __init__(
        self,
        identity: Identity,
        ihd_id: Callable[[], str],
        next_counter: Callable[[Identity], int],
        status: StatusTable,
        delivery: IhdDelivery,
        events: EventLog,
        clock: Callable[[], datetime],
    ) -> None:
        self._identity = identity
        self._ihd_id = ihd_id
        self._next_counter = next_counter
        self._status = status
        self._delivery = delivery
        self._events = events
        self._clock = clock

    def send(self, request: MessageRequest) -> MessageRecord:
        """Compose and sign ``request`` as the meter and queue it for the IHD."""
        now = self._clock()
        payload, details = compose(replace(request, at=now))
        claims = new_claims(
            self._identity,
            request.type_name,
            self._ihd_id(),
            self._next_counter(self._identity),
            issued_at=now,
            valid_for=METER_MESSAGE_VALIDITY,
            details=details,
        )
        # Delivered only on links whose handshake verified the meter's certificate (the proof
        # carries it), so the key id is enough (docs/protocol.md §5.3).
        envelope = sign_envelope(self._identity, claims, payload, embed_certificate=False)
        record = MessageRecord(
            key=claims.token_id.hex(),
            origin="meter",
            role="meter",
            originator=self._identity.entity_id,
            type=request.type_name,
            message_id=request.message_id,
            text=request.text,
            created_at=now,
            needs_ack=request.confirmation_required,
            envelope=envelope,
        )
        for row in self._status.rows("meter"):
            if row.message_id == request.message_id and row.status.value not in FINAL:
                row.superseded_by = record.key
        self._status.add(record)
        self._events.emit(
            "meter.message",
            key=record.key,
            type=request.type_name,
            message_id=request.message_id,
            importance=request.importance.name.lower(),
            text=request.text,
        )
        self._delivery.enqueue(envelope, Origin.METER, request.type_name, record=record)
        return record
