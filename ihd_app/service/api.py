"""What the UI (and the headless runner) may ask of the IHD and hear from it.

The service owns every moving part (radio, MeterLink, verifier, store, inbox, outbox, backfill);
the UI only reads snapshots, calls actions, and listens to :class:`Change` notifications. All
methods run on the asyncio loop the UI shares through qasync.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

from ihd_app.core.data_access import DataAccess
from ihd_app.core.flexibility import ShownEvent
from ihd_app.core.model import InboxMessage, Interval, PairedMeter, SecurityEvent, Tariff
from ihd_app.core.prepay_status import PrepayStatus, TopUpOutcome
from ihd_app.core.readings import Fuel, Reading
from ihd_app.core.tou_calendar import TouCalendar
from ihd_app.link.bumble_backend.security import LinkSecurity
from ihd_app.link.meter_link import LinkState, ScanResult
from ihd_app.protocol.consent_terms import Grant, Granularity


class Topic(StrEnum):
    """What changed."""

    LINK = "link"  # state, security or paired meter
    READING = "reading"  # a new live reading
    INBOX = "inbox"  # a message arrived, changed state, or was removed
    SECURITY_LOG = "security-log"  # a refusal was logged
    TARIFF = "tariff"
    CONSENT = "consent"
    DATA_ACCESS = "data-access"  # the meter told of a data request it answered or refused
    BACKFILL = "backfill"  # history backfill progress
    PAIRING = "pairing"  # a pairing question is waiting (see PairingRequest)
    FLEXIBILITY = "flexibility"  # a flexibility event arrived, started, ended or was opted out
    PREPAY = "prepay"  # the meter's credit changed, or it answered a top-up code


@dataclass(frozen=True)
class Change:
    """A notification to listeners.

    Attributes:
        topic: What changed.
        detail: For people and logs (may be empty).
    """

    topic: Topic
    detail: str = ""


class ProblemKind(StrEnum):
    """Why the display is not connected, when someone should know."""

    RADIO_UNAVAILABLE = "radio-unavailable"  # no radio yet: retrying by itself
    PAIRING_REFUSED = "pairing-refused"  # waits for Pair again
    METER_NOT_TRUSTED = "meter-not-trusted"  # the handshake failed: waits for Try again


@dataclass(frozen=True)
class ConnectionProblem:
    """Why the display is not connected to its meter (the window shows it as a banner).

    Attributes:
        kind: What went wrong.
        detail: One sentence for the consumer.
    """

    kind: ProblemKind
    detail: str


class PairingQuestion(StrEnum):
    """What pairing asks of the consumer."""

    COMPARE = "compare"  # do both screens show this number?
    ENTER_PASSKEY = "enter-passkey"  # type the passkey the meter shows
    SHOW_PASSKEY = "show-passkey"  # show this passkey so it can be typed on the meter


@dataclass(frozen=True)
class PairingRequest:
    """A pairing question waiting for the consumer (the UI shows a dialog).

    Attributes:
        question: What is asked.
        number: The six-digit number to compare or show (``None`` for passkey entry).
    """

    question: PairingQuestion
    number: int | None


@dataclass(frozen=True)
class BackfillProgress:
    """History backfill after pairing.

    Attributes:
        done: Half-hour intervals received.
        total: Intervals requested (13 months: about 19,000 per fuel).
        running: Still going.
    """

    done: int
    total: int
    running: bool


class UsageRange(StrEnum):
    """Chart ranges."""

    LIVE = "live"  # last 10 minutes of live readings
    DAY = "day"  # by half hour
    WEEK = "week"  # by day
    MONTH = "month"  # by day
    YEAR = "year"  # by month


@dataclass(frozen=True)
class GattDescriptorInfo:
    """A descriptor of the connected meter, as discovered.

    Attributes:
        uuid: Its UUID (lower case).
        handle: Its ATT handle.
        name: What the UUID is (``Client Characteristic Configuration``), or ``""``.
        state: For a CCCD: the subscription it holds (``notifications on``, ``off``, ...), read
            from the meter; ``""`` when not read or not a CCCD.
    """

    uuid: str
    handle: int
    name: str
    state: str = ""


@dataclass(frozen=True)
class GattCharacteristicInfo:
    """A characteristic of the connected meter, as discovered.

    Attributes:
        uuid: Its UUID (lower case).
        handle: Its ATT handle (of the value declaration, as bleak reports it).
        name: The profile's name for it (``Meter Info``), or what bleak knows of the UUID.
        in_profile: Whether docs/protocol.md §2 defines it.
        properties: Its properties in bleak's spelling (``read``, ``notify``...).
        descriptors: Its descriptors.
    """

    uuid: str
    handle: int
    name: str
    in_profile: bool
    properties: tuple[str, ...]
    descriptors: tuple[GattDescriptorInfo, ...] = ()

    @property
    def readable(self) -> bool:
        """Whether a read is allowed."""
        return "read" in self.properties


@dataclass(frozen=True)
class GattServiceInfo:
    """A service of the connected meter and its characteristics.

    Attributes:
        uuid: Its UUID (lower case).
        handle: Its ATT handle.
        name: ``IHD meter profile`` for the profile's service, else what bleak knows of it.
        characteristics: Its characteristics in handle order.
    """

    uuid: str
    handle: int
    name: str
    characteristics: tuple[GattCharacteristicInfo, ...]


@dataclass(frozen=True)
class CharacteristicValue:
    """What a read returned.

    Attributes:
        uuid: The characteristic read.
        data: The value.
        decoded: A readable form where the profile defines one (Meter Info's CBOR map as
            JSON), else ``""``.
    """

    uuid: str
    data: bytes
    decoded: str = ""


@dataclass(frozen=True)
class CaptureState:
    """The HCI (btsnoop) capture.

    Attributes:
        available: Whether this radio can capture at run time (Bumble radios can; the system
            radio cannot: BlueZ owns the HCI).
        path: The file being written, or ``None`` when no capture runs.
        note: One sentence for the developer (how to capture where it is not available).
        directory: Where captures go unless the developer chooses (in the data dir).
    """

    available: bool
    path: Path | None
    note: str
    directory: Path


class FlexibilityApi(Protocol):
    """Flexibility events and the householder's direct-control agreements
    (:class:`ihd_app.service.flexibility.FlexibilityKeeper`)."""

    def events(self) -> list[ShownEvent]: ...
    def running(self) -> ShownEvent | None: ...
    def opt_out(self, originator: str, event_id: int) -> bool: ...
    def agreements(self) -> dict[str, int]: ...
    def set_agreement(self, originator: str, device_class: int) -> object: ...


class PrepayApi(Protocol):
    """Prepayment as the UI sees it (:class:`ihd_app.service.prepayment.PrepayDisplay`)."""

    @property
    def status(self) -> PrepayStatus | None:
        """The meter's credit as it last said (``None``: no prepayment status yet)."""
        ...

    @property
    def last_top_up(self) -> TopUpOutcome | None:
        """The meter's verdict on the last code entered (``None`` while waiting, or none)."""
        ...

    def top_up(self, code: str) -> None:
        """Send a 20-digit code (raises ``PrepayActionError`` with one sentence)."""
        ...

    def use_emergency_credit(self) -> None:
        """Take the emergency credit on offer."""
        ...

    def restore_supply(self) -> None:
        """Restore a supply armed after a top-up."""
        ...


class IhdServiceApi(Protocol):
    """The IHD service as the UI sees it."""

    # -- state -------------------------------------------------------------------------------
    @property
    def link_state(self) -> LinkState: ...
    @property
    def security(self) -> LinkSecurity: ...
    @property
    def paired_meter(self) -> PairedMeter | None: ...
    @property
    def clock_correction_s(self) -> float | None:
        """How far the meter's proven time is ahead of the display's own clock (seconds,
        negative: behind) while the display goes by the meter's time; ``None`` while the two
        agree (:mod:`ihd_app.service.meter_time`)."""
        ...

    @property
    def display_id(self) -> str:
        """The display's own identifier (its certificate's EUI-64): GB displays show it, and
        the consumer quotes it to the supplier to commission it or to consent to data access."""
        ...

    def latest_reading(self, fuel: Fuel) -> Reading | None: ...
    def live_readings(self, fuel: Fuel) -> Sequence[Reading]:
        """Readings of the last 10 minutes, oldest first."""
        ...

    def current_messages(self) -> Sequence[InboxMessage]:
        """Messages on display, most important and newest first."""
        ...

    def past_messages(self) -> Sequence[InboxMessage]:
        """Acknowledged, expired, superseded and cancelled messages, newest first."""
        ...

    def takeover_message(self) -> InboxMessage | None:
        """The high or critical message that must fill the screen until acknowledged."""
        ...

    def security_log(self) -> Sequence[SecurityEvent]:
        """Every refusal, newest first."""
        ...

    def tariff(self, fuel: Fuel) -> Tariff | None: ...
    def tou_calendar(self, fuel: Fuel) -> TouCalendar | None:
        """The fuel's time-of-use calendar (complete or still arriving), if it has one."""
        ...

    def consents(self) -> Sequence[Grant]: ...
    @property
    def flexibility(self) -> FlexibilityApi:
        """Flexibility events and direct-control agreements."""
        ...

    def data_access_log(self, limit: int | None = None) -> Sequence[DataAccess]:
        """Every data request the meter answered or refused, newest first."""
        ...

    def export_data_access(self, path: Path) -> int:
        """Write the data-access log to ``path`` as CSV; how many requests it lists.

        Raises:
            OSError: The file cannot be written.
        """
        ...

    @property
    def backfill(self) -> BackfillProgress: ...
    @property
    def pairing_request(self) -> PairingRequest | None: ...
    @property
    def connection_problem(self) -> ConnectionProblem | None:
        """Why the display is not connected (radio not there, pairing refused), or ``None``."""
        ...

    def usage(self, fuel: Fuel, span: UsageRange, end: datetime) -> Sequence[Interval]:
        """Energy by interval for a chart ending at ``end`` (half hours, days or months)."""
        ...

    def cost_pence(self, fuel: Fuel, intervals: Sequence[Interval]) -> float:
        """What ``intervals`` cost with the fuel's tariff (unit rates by band + standing)."""
        ...

    # -- actions -----------------------------------------------------------------------------
    async def scan(self, timeout_s: float = 5.0) -> Sequence[ScanResult]: ...
    async def connect(self, target: ScanResult | str) -> None: ...
    async def forget_meter(self) -> None: ...
    async def acknowledge(self, key: str) -> None:
        """The consumer acknowledged message ``key``: state, outbox, delivery."""
        ...

    def answer_pairing(self, accepted: bool, passkey: int | None = None) -> None: ...
    def pair_again(self) -> None:
        """After a refused pairing: find the meter and pair again."""
        ...

    async def set_consent(
        self, party: str, purpose: str, granularity: Granularity | None
    ) -> None: ...
    async def wipe_local_data(self) -> None: ...
    async def move_out(self) -> None:
        """The household is leaving: wipe its data (keeping the security log), withdraw every
        consent at the meter, and forget the meter once it confirms the withdrawal."""
        ...

    @property
    def moving_out(self) -> bool:
        """A move-out waits for the meter to confirm the withdrawal."""
        ...

    # -- notifications -----------------------------------------------------------------------
    def subscribe(self, listener: Callable[[Change], None]) -> Callable[[], None]:
        """Call ``listener`` on every change; returns the unsubscribe function."""
        ...

    # -- developer panel -----------------------------------------------------------------------
    async def gatt_table(self) -> Sequence[GattServiceInfo]:
        """The connected meter's services, characteristics and descriptors (CCCD states read).

        Raises:
            IhdError: Not connected.
        """
        ...

    async def read_characteristic(self, uuid: str) -> CharacteristicValue:
        """Read one characteristic (read-only: the panel never writes).

        Raises:
            IhdError: Not connected, not readable, or the meter refused.
        """
        ...

    def recent_events(self) -> Sequence[dict[str, Any]]:
        """The latest ``--events`` records (the same JSON objects), oldest first."""
        ...

    def subscribe_events(self, listener: Callable[[dict[str, Any]], None]) -> Callable[[], None]:
        """Call ``listener`` with every event record; returns the unsubscribe function."""
        ...

    @property
    def capture(self) -> CaptureState: ...
    def start_capture(self, path: Path) -> None:
        """Write the HCI traffic to ``path`` (btsnoop) from now on.

        Raises:
            IhdError: This radio cannot capture, or ``path`` cannot be written.
        """
        ...

    def stop_capture(self) -> None:
        """Stop the capture (and close its file)."""
        ...

    @property
    def prepayment(self) -> PrepayApi:
        """The meter's credit and the consumer's top-ups (prepayment mode)."""
        ...
