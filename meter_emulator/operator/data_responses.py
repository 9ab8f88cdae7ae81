"""Household data leaves the meter only sealed to the operator who asked (seed Appendix D,
"islands of trust"; docs/protocol.md §5.4).

The meter signs its answer to a data request, seals it to the certificate that signed the
request (:mod:`ihd_app.protocol.data_response`), and hands the sealed bytes to that operator.
In the emulator the operator is the operator console, which holds the operators' private keys:
it opens the response with the requesting role's key, and what it read is what the
``data.delivered`` event reports. The meter's own clear values never go into the event.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ihd_app.protocol.data_response import DataResponse, OpenedDataResponse, seal_data_response
from ihd_app.protocol.errors import SealedResponseError
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.verification import VerifiedMessage

#: The operator's end: given the requester's role, the request's key and the sealed bytes, it
#: opens them with that role's key (raising :class:`SealedResponseError` when it cannot).
OperatorInbox = Callable[[str, str, bytes], OpenedDataResponse]


@dataclass(frozen=True)
class SentResponse:
    """A sealed response handed to its operator, and what the operator read.

    Attributes:
        sealed_bytes: The size of the sealed response.
        sealed_for: The entity id of the certificate it was sealed to.
        opened: What the operator read after decrypting, or ``None`` if it could not.
        problem: Why the operator could not open it.
    """

    sealed_bytes: int
    sealed_for: str
    opened: OpenedDataResponse | None
    problem: str | None = None

    def event_fields(self) -> dict[str, object]:
        """The ``data.delivered`` fields: the sealed size, and the operator's reading."""
        fields: dict[str, object] = {
            "sealed_bytes": self.sealed_bytes,
            "sealed_for": self.sealed_for,
            "opened_by_operator": self.opened is not None,
        }
        if self.opened is None:
            fields["operator_problem"] = self.problem
        else:
            fields["operator_read_wh"] = list(self.opened.response.values_wh)
            fields["operator_read_kwh"] = self.opened.response.kwh
        return fields


class DataResponses:
    """Signs, seals and hands over the meter's answers to data requests.

    Args:
        meter: The meter's identity (signs the responses).
        next_counter: The meter's next originator counter.
        clock: The wall clock (stamps the responses).
        operator: Where sealed responses go: the operator that asked.
        keep: Also given each sealed response with its request's key (``--sealed-responses``
            writes it to a file, as the operator receives it).
    """

    def __init__(
        self,
        meter: Identity,
        next_counter: Callable[[], int],
        clock: Callable[[], datetime],
        operator: OperatorInbox,
        keep: Callable[[str, bytes], None] | None = None,
    ) -> None:
        self._meter = meter
        self._next_counter = next_counter
        self._clock = clock
        self._operator = operator
        self._keep = keep

    def send(self, request: VerifiedMessage, response: DataResponse) -> SentResponse:
        """Seal ``response`` to the certificate that signed ``request`` and hand it over.

        Raises:
            SealedResponseError: The requester's certificate has no key to seal to.
        """
        sealed = seal_data_response(
            self._meter,
            request.certificate,
            response,
            counter=self._next_counter(),
            issued_at=self._clock(),
        )
        key = request.claims.token_id.hex()
        if self._keep is not None:
            self._keep(key, sealed)
        try:
            opened = self._operator(request.role.value, key, sealed)
        except SealedResponseError as error:
            return SentResponse(len(sealed), request.signer.entity_id, None, str(error))
        return SentResponse(len(sealed), request.signer.entity_id, opened)


def kept_in(
    directory: Path | None, emit: Callable[..., object]
) -> Callable[[str, bytes], None] | None:
    """``--sealed-responses DIR``: each sealed answer written to ``DIR/KEY.cose`` as the
    operator gets it (``None`` without a directory); a failed write is an event, not a crash."""
    if directory is None:
        return None

    def keep(key: str, sealed: bytes) -> None:
        try:
            directory.mkdir(parents=True, exist_ok=True)
            (directory / f"{key}.cose").write_bytes(sealed)
        except OSError as error:
            emit("data.response-not-kept", key=key, detail=str(error))

    return keep


def what_the_operator_read(role: str, opened: OpenedDataResponse, shown: int = 6) -> str:
    """One sentence for the console: how it arrived and what the role's key opened (the first
    ``shown`` values, newest first)."""
    who = role.upper() if role in ("dno", "gdn") else role
    response = opened.response
    values = ", ".join(f"{value:,}" for value in response.values_wh[:shown])
    more = ", ..." if response.periods > shown else ""
    return (
        f"Arrived encrypted to the {who}'s certificate; the {who}'s private key opened it: "
        f"{response.periods} {response.granularity} {response.fuel} values, newest first "
        f"{values}{more} Wh, {response.kwh:.3f} kWh in all, signed by meter "
        f"{opened.meter.entity_id}."
    )
