"""The operator console: compose, sign and send messages as a DNO, a gas network or a supplier.

Qt-free; the GUI's operator panel and the scenario player drive it. Every message goes the way
an operator's message goes in the seed use cases: composed and signed with the role's key,
sent to the meter, **verified by the meter** (a refusal comes back as an ``operator.error``
event with a reason code, a detail and a timestamp), forwarded to the IHD byte for byte (or
held until the IHD is back), and followed in the status table
(:attr:`meter_emulator.runtime.MeterRuntime.status`) as the IHD's signed replies come back:
forwarded, delivery receipt, displayed, acknowledged (with its time) or rejected (with the IHD's
reason). A data request's answer comes back sealed to the requesting role's certificate; the
console, holding the operators' private keys, opens it with that role's key
(:meth:`OperatorConsole.receive_data_response`, :meth:`OperatorConsole.opened`).

Example::

    record = runtime.operator.send(
        "dno",
        MessageRequest("outage.planned", text="Power cut Tue 10:00-14:00",
                       importance=Importance.HIGH, confirmation_required=True,
                       outage_start=start, outage_end=end),
    )
    runtime.operator.status(record.key).status   # queued -> forwarded -> received -> ...
    runtime.operator.supersede(record.key, text="Power cut moved to Wed 10:00-14:00")
    runtime.operator.cancel(record.key)
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Protocol

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.data_response import OpenedDataResponse, open_data_response
from ihd_app.protocol.demand_response import FlexibilityEvent
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import DEFAULT_VALIDITY, new_claims
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import Identity, TrustStore
from ihd_app.protocol.verification import Verdict
from ihd_app.protocol.zcl import CancelLoadControlEvent, Endpoint
from meter_emulator.delivery import envelope_key
from meter_emulator.operator.network_inbox import NetworkDataInbox
from meter_emulator.operator.status import MessageRecord, StatusTable
from meter_emulator.scenarios.tou import tou_commands

#: The roles an operator console signs as.
OPERATOR_ROLES = ("dno", "gdn", "supplier")


class MeterForOperators(Protocol):
    """What the operator console needs of the meter (:class:`meter_emulator.runtime.MeterRuntime`
    is one): its PKI and counters to sign, its forwarding, its status table and its events."""

    @property
    def events(self) -> EventLog: ...
    @property
    def status(self) -> StatusTable: ...
    @property
    def meter_id(self) -> str: ...
    def identity_of(self, name: str) -> Identity: ...
    def next_counter(self, identity: Identity) -> int: ...
    def wall_now(self) -> datetime: ...
    @property
    def trust(self) -> TrustStore: ...
    def forward(self, envelope: bytes, *, text: str | None = None) -> Verdict: ...


class OperatorError(IhdError):
    """The console cannot do what was asked (unknown role or message); one sentence why."""


class OperatorConsole:
    """Composes, signs and sends operator messages through the meter.

    Args:
        runtime: The running meter (its PKI, counters, verification and queue).
    """

    def __init__(self, runtime: MeterForOperators) -> None:
        self._runtime = runtime
        self._requests: dict[str, tuple[str, MessageRequest]] = {}
        self._opened: dict[str, OpenedDataResponse] = {}
        self._last_message_id = 0
        #: What the operators received of network data (answers and pushes).
        self.network_data = NetworkDataInbox(
            runtime.identity_of, lambda: runtime.trust, runtime.wall_now
        )

    def _message_id(self) -> int:
        self._last_message_id = max(self._last_message_id + 1, secrets.randbits(24) + 1)
        return self._last_message_id

    def sign(
        self,
        role: str,
        request: MessageRequest,
        *,
        valid_for: timedelta = DEFAULT_VALIDITY,
        not_before: datetime | None = None,
        signer: str | None = None,
    ) -> tuple[bytes, MessageRequest]:
        """Compose and sign ``request`` as ``role`` (the envelope, and the request as sent).

        A request without a message id (0) gets a fresh one; the fuel defaults to gas for the
        gas network's messages. ``signer`` names another identity of the PKI to sign with
        (e.g. ``revoked-supplier``, to show the meter refusing it).

        Raises:
            OperatorError: Unknown role.
            EncodeError: The request cannot be composed (missing text, bad window...).
            ConfigurationError: No such identity.
        """
        if role not in OPERATOR_ROLES and signer is None:
            raise OperatorError(f"an operator is one of {', '.join(OPERATOR_ROLES)}, not '{role}'")
        runtime = self._runtime
        now = runtime.wall_now()
        if request.message_id == 0 and request.type_name != "message.cancel":
            request = replace(request, message_id=self._message_id())
        if role == "gdn" and request.fuel is Endpoint.ELECTRICITY:
            request = replace(request, fuel=Endpoint.GAS)
        request = replace(request, at=request.at or now)
        payload, details = compose(request)
        identity = runtime.identity_of(signer or role)
        claims = new_claims(
            identity,
            request.type_name,
            runtime.meter_id,
            runtime.next_counter(identity),
            issued_at=now,
            valid_for=valid_for,
            not_before=not_before,
            details=details,
        )
        return sign_envelope(identity, claims, payload), request

    def send(
        self,
        role: str,
        request: MessageRequest,
        *,
        valid_for: timedelta = DEFAULT_VALIDITY,
        not_before: datetime | None = None,
        signer: str | None = None,
    ) -> MessageRecord:
        """Compose, sign, and send ``request`` as ``role`` through the meter.

        Returns:
            The message's row in the status table: ``refused`` if the meter's verification
            refused it (and ``operator.error`` was logged), else ``queued`` until indicated.

        Raises:
            As :meth:`sign`.
        """
        envelope, sent = self.sign(
            role, request, valid_for=valid_for, not_before=not_before, signer=signer
        )
        self._runtime.forward(envelope, text=sent.text)
        record = self._runtime.status.get(envelope_key(envelope))
        assert record is not None
        self._requests[record.key] = (role, sent)
        self._runtime.events.emit(
            "operator.sent",
            key=record.key,
            role=role,
            type=sent.type_name,
            message_id=sent.message_id,
            status=record.status.value,
        )
        return record

    def request_of(self, key: str) -> tuple[str, MessageRequest]:
        """The role and request a message was sent with.

        Raises:
            OperatorError: The console did not send a message with that key.
        """
        try:
            return self._requests[key]
        except KeyError:
            raise OperatorError(f"the console sent no message {key}") from None

    def supersede(self, key: str, **changes: Any) -> MessageRecord:
        """Send a new version of message ``key``: same role, type and message id, with
        ``changes`` (any :class:`MessageRequest` field, e.g. ``text=...``). The IHD replaces
        the old one (its state becomes superseded).

        Raises:
            OperatorError: Unknown key, or an attempt to change the message id.
        """
        role, request = self.request_of(key)
        if "message_id" in changes and changes["message_id"] != request.message_id:
            raise OperatorError("a superseding message keeps the message id of the one it replaces")
        return self.send(role, replace(request, at=None, **changes))

    def cancel(self, key: str) -> MessageRecord:
        """Withdraw message ``key`` (ZCL CancelMessage of its id, signed by its originator).

        Raises:
            OperatorError: Unknown key.
        """
        role, request = self.request_of(key)
        return self.send(
            role,
            MessageRequest("message.cancel", message_id=request.message_id, fuel=request.fuel),
        )

    def publish_tou(
        self, role: str, spec: Mapping[str, Any], *, fuel: Endpoint = Endpoint.ELECTRICITY
    ) -> list[MessageRecord]:
        """Publish the time-of-use tariff ``spec`` describes: one ``tariff.price`` envelope per
        command (:func:`~meter_emulator.scenarios.tou.tou_commands`, protocol.md §6.2).

        Raises:
            ValueError: ``spec`` is not a usable description.
            As :meth:`sign`.
        """
        return [
            self.send(role, MessageRequest("tariff.price", fuel=fuel, command=command))
            for command in tou_commands(spec)
        ]

    def cancel_all(self, role: str) -> MessageRecord:
        """Withdraw every message ``role`` has on the IHD (ZCL CancelAllMessages)."""
        return self.send(role, MessageRequest("message.cancel", cancel_all=True))

    def disconnect(self, role: str, why: str) -> MessageRecord:
        """Switch the home's electricity off remotely (``supply.disconnect``, ZCL ChangeSupply
        Off): the supplier, or the DNO for safety. The consumer cannot switch it back on until
        the same operator (or the DNO) enables it.

        Raises:
            As :meth:`sign`.
        """
        return self.send(role, MessageRequest("supply.disconnect", text=why))

    def arm(self, role: str) -> MessageRecord:
        """Enable the supply (``supply.arm``, ChangeSupply Off/Armed): it stays off until the
        consumer switches it back on at home.

        Raises:
            As :meth:`sign`.
        """
        return self.send(role, MessageRequest("supply.arm"))

    def clear_safety(self, role: str = "dno", why: str = "") -> MessageRecord:
        """Clear a safety alarm (``safety.clear``; the policy lets only the DNO): the supply is
        armed and the consumer switches it back on.

        Raises:
            As :meth:`sign`.
        """
        return self.send(role, MessageRequest("safety.clear", text=why))

    def receive_data_response(self, role: str, key: str, sealed: bytes) -> OpenedDataResponse:
        """Open a response sealed to ``role``'s certificate with ``role``'s private key, and
        check the meter's signature against the trust store.

        Args:
            role: The role that asked (its key opens the response).
            key: The key of the request it answers.
            sealed: The sealed response.

        Returns:
            What the role read, also kept for :meth:`opened`.

        Raises:
            SealedResponseError: The role's key cannot open it, or what is inside fails its
                checks.
        """
        runtime = self._runtime
        opened = open_data_response(
            sealed,
            runtime.identity_of(role),
            runtime.trust,
            now=runtime.wall_now(),
            request_key=key,
        )
        self._opened[key] = opened
        return opened

    def opened(self, key: str) -> OpenedDataResponse | None:
        """What the operator read in the sealed answer to data request ``key``, if any."""
        return self._opened.get(key)

    def status(self, key: str) -> MessageRecord:
        """The status-table row of message ``key``.

        Raises:
            OperatorError: No such message.
        """
        record = self._runtime.status.get(key)
        if record is None:
            raise OperatorError(f"no message {key} in the status table")
        return record

    def rows(self) -> list[MessageRecord]:
        """The operators' rows of the status table, oldest first."""
        return self._runtime.status.rows("operator")

    def table(self) -> list[dict[str, object]]:
        """The operators' rows as JSON-safe dictionaries (what the GUI's table shows)."""
        return [row.to_dict() for row in self.rows()]

    def schedule_flexibility(self, role: str, event: FlexibilityEvent) -> MessageRecord:
        """Schedule a flexibility event (a signed ``demand.event``: DRLC LoadControlEvent, with
        the title and reward in its details). The row's outcome says what the meter controls.

        Raises:
            As :meth:`sign`; EncodeError for a duration or reduction out of range.
        """
        return self.send(role, event.request())

    def cancel_flexibility(self, role: str, event_id: int, device_class: int) -> MessageRecord:
        """Withdraw flexibility event ``event_id`` (DRLC CancelLoadControlEvent)."""
        return self.send(
            role,
            MessageRequest(
                "demand.event",
                message_id=event_id,
                command=CancelLoadControlEvent(issuer_event_id=event_id, device_class=device_class),
            ),
        )
