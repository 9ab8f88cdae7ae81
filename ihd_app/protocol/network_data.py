"""Network data an operator may ask the meter for (seed use cases 01-07, 11, 13, 16 and gas 01),
what consent each needs, and the meter's sealed answer (docs/protocol.md §5.5).

An operator asks with a signed ``netdata.request`` (details: ``kind``, ``periods`` half hours
ending at ``end``, optional ``purpose`` and ``granularity``), or subscribes with a signed
``netdata.subscribe`` (``kind``, ``interval_min``) to have the meter push the data every interval
until ``netdata.unsubscribe`` or the consumer withdraws consent. Each kind belongs to one party
and one purpose of :data:`~ihd_app.protocol.consent_terms.PURPOSES`, so the consumer's consent
and the licence exemptions decide it exactly as they decide consumption data.

The answer is a meter-signed ``netdata.response`` sealed to the requester's certificate, like
``data.response`` (:mod:`ihd_app.protocol.data_response`): never a HAN message type, and opened
and checked on the operator's side only. It carries ``status`` ``data`` with rows, or
``no-data`` when the meter holds nothing for the range (seed 01-03 3a2, 16 3a2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from cryptography import x509

from ihd_app.protocol.consent_terms import Granularity
from ihd_app.protocol.data_response import open_meter_envelope
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.claims import Claims, DetailValue
from ihd_app.protocol.envelope.compose import DEFAULT_VALIDITY, new_claims
from ihd_app.protocol.envelope.sealed import seal
from ihd_app.protocol.errors import SealedResponseError
from ihd_app.protocol.pki.certificates import CertificateSummary
from ihd_app.protocol.pki.identity import Identity
from ihd_app.protocol.pki.trust_store import TrustStore
from ihd_app.protocol.verification import DEFAULT_CLOCK_SKEW_S

#: The ``type`` claim of the signed envelope inside a sealed network-data answer or push.
NETWORK_DATA_RESPONSE = "netdata.response"
#: The most rows one answer carries (a request asks for at most 255 half hours).
MAX_ROWS = 2000
#: The signed answer inside the seal is bounded (it goes to the operator's head-end, not over
#: the HAN, so it may exceed a HAN envelope's 4 KiB: 255 half hours of voltage are about 25 KiB).
MAX_ANSWER_BYTES = 256 * 1024
#: Push intervals a subscription may ask for, in minutes (half an hour to a day).
MIN_INTERVAL_MIN, MAX_INTERVAL_MIN = 30, 24 * 60


class DataKind(StrEnum):
    """What an operator may ask for."""

    IMPORT = "import"
    EXPORT = "export"
    VOLTAGE = "voltage"
    POWER_QUALITY = "power-quality"
    OUTAGES = "outages"
    ENERGISATION = "energisation"
    GAS_DEMAND = "gas-demand"

    @property
    def rule(self) -> KindRule:
        """Who may ask for it, for what purpose, how finely."""
        return _RULES[self]


@dataclass(frozen=True)
class KindRule:
    """The consent a kind of data falls under.

    Attributes:
        party: The only role that may ask for it.
        purpose: The purpose it is read for (its consent and exemption).
        fixed: The granularity it always has (time-stamped records: half-hourly), or ``None``
            when the request chooses.
        title: As the operator console and the data-access log name it.
    """

    party: str
    purpose: str
    fixed: Granularity | None
    title: str


_RULES: dict[DataKind, KindRule] = {
    DataKind.IMPORT: KindRule("dno", "network-planning", None, "electricity imported"),
    DataKind.EXPORT: KindRule("dno", "network-planning", None, "electricity exported"),
    DataKind.VOLTAGE: KindRule("dno", "voltage-quality", None, "voltage min/mean/max"),
    DataKind.POWER_QUALITY: KindRule(
        "dno", "voltage-quality", Granularity.HALF_HOURLY, "power-quality events"
    ),
    DataKind.OUTAGES: KindRule(
        "dno", "outage-reporting", Granularity.HALF_HOURLY, "outage records"
    ),
    DataKind.ENERGISATION: KindRule(
        "dno", "outage-reporting", Granularity.HALF_HOURLY, "energisation status"
    ),
    DataKind.GAS_DEMAND: KindRule("gdn", "network-planning", None, "gas demand"),
}


def kinds_for(party: str) -> list[DataKind]:
    """The kinds ``party`` may ask for, in declaration order."""
    return [kind for kind in DataKind if kind.rule.party == party]


def kind_named(value: object) -> DataKind | None:
    """The kind called ``value``, or ``None``."""
    try:
        return DataKind(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class NetworkDataResponse:
    """What the meter answers (or pushes).

    Attributes:
        refers_to: The request's (or subscription's) ``cti`` in hex.
        kind: What the rows are.
        status: ``data`` or ``no-data``.
        start: The start of the range it covers.
        end: Its end.
        granularity: The granularity of the rows.
        rows: One map per half hour, day, month or record, oldest first.
        detail: One sentence (why there is no data, or what was sent).
        push: The number of this push of a subscription (0: a one-off answer).
    """

    refers_to: str
    kind: DataKind
    status: str
    start: datetime
    end: datetime
    granularity: Granularity
    rows: tuple[dict[str, DetailValue], ...]
    detail: str = ""
    push: int = 0

    @property
    def found(self) -> bool:
        """Whether the meter had data for the range."""
        return self.status == "data"

    def to_details(self) -> dict[str, DetailValue]:
        """The ``details`` claim of the signed envelope."""
        return {
            "refers_to": self.refers_to,
            "kind": self.kind.value,
            "status": self.status,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "granularity": self.granularity.value,
            "rows": list(self.rows),
            "detail": self.detail,
            "push": self.push,
        }

    @classmethod
    def from_details(cls, details: Mapping[str, DetailValue]) -> NetworkDataResponse:
        """Read the ``details`` claim.

        Raises:
            SealedResponseError: A field is missing or of the wrong kind.
        """
        refers_to, kind = details.get("refers_to"), kind_named(details.get("kind"))
        status, rows = details.get("status"), details.get("rows")
        push, detail = details.get("push", 0), details.get("detail", "")
        if not isinstance(refers_to, str) or kind is None or status not in ("data", "no-data"):
            raise SealedResponseError("the answer needs refers_to, a known kind and a status")
        try:
            granularity = Granularity(str(details.get("granularity")))
        except ValueError:
            raise SealedResponseError(
                "the answer's granularity is not one the meter uses"
            ) from None
        if (
            not isinstance(rows, list)
            or len(rows) > MAX_ROWS
            or not all(isinstance(row, dict) for row in rows)
            or (status == "no-data" and rows)
        ):
            raise SealedResponseError(f"rows must be a list of up to {MAX_ROWS} maps")
        if not isinstance(push, int) or isinstance(push, bool) or push < 0:
            raise SealedResponseError("push must be a count")
        start, end = _moment(details.get("start")), _moment(details.get("end"))
        if start is None or end is None or end < start:
            raise SealedResponseError("start and end must be ISO 8601 times, start first")
        return cls(
            refers_to,
            kind,
            str(status),
            start,
            end,
            granularity,
            tuple(row for row in rows if isinstance(row, dict)),
            str(detail),
            push,
        )


@dataclass(frozen=True)
class OpenedNetworkData:
    """A sealed network-data answer opened and checked by its operator.

    Attributes:
        response: What the meter said.
        meter: The signer's certificate summary.
        claims: The signed envelope's claims.
        sealed_bytes: The size of the sealed answer.
    """

    response: NetworkDataResponse
    meter: CertificateSummary
    claims: Claims
    sealed_bytes: int


def seal_network_data(
    meter: Identity,
    recipient: x509.Certificate,
    response: NetworkDataResponse,
    *,
    counter: int,
    issued_at: datetime,
    valid_for: timedelta = DEFAULT_VALIDITY,
) -> bytes:
    """Sign ``response`` as the meter, then seal it to ``recipient``'s certificate (the one
    that signed the request or subscription).

    Raises:
        SealedResponseError: The recipient's certificate has no P-256 key.
    """
    claims = new_claims(
        meter,
        NETWORK_DATA_RESPONSE,
        CertificateSummary.of(recipient).entity_id,
        counter,
        issued_at=issued_at,
        valid_for=valid_for,
        details=response.to_details(),
    )
    return seal(sign_envelope(meter, claims, b""), recipient)


def open_network_data(
    sealed: bytes,
    operator: Identity,
    trust: TrustStore,
    *,
    now: datetime,
    request_key: str | None = None,
    clock_skew_s: int = DEFAULT_CLOCK_SKEW_S,
) -> OpenedNetworkData:
    """Decrypt with ``operator``'s key and check the meter's signature, claims and details.

    Raises:
        SealedResponseError: It cannot be opened with this key, or fails a check.
    """
    meter, claims = open_meter_envelope(
        sealed,
        operator,
        trust,
        NETWORK_DATA_RESPONSE,
        now=now,
        clock_skew_s=clock_skew_s,
        max_bytes=MAX_ANSWER_BYTES,
    )
    response = NetworkDataResponse.from_details(claims.details)
    if request_key is not None and response.refers_to != request_key:
        raise SealedResponseError(
            f"answers request {response.refers_to}, not the request {request_key}"
        )
    return OpenedNetworkData(response, meter, claims, len(sealed))


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def _moment(value: object) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


__all__ = [
    "MAX_ANSWER_BYTES",
    "MAX_INTERVAL_MIN",
    "MIN_INTERVAL_MIN",
    "NETWORK_DATA_RESPONSE",
    "DataKind",
    "KindRule",
    "NetworkDataResponse",
    "OpenedNetworkData",
    "kind_named",
    "kinds_for",
    "open_network_data",
    "seal_network_data",
]
