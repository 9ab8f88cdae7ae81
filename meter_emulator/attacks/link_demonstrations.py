"""The attack console's demonstrations on the link itself, where the forgeries of
:mod:`meter_emulator.attacks.forgery` attack single messages.

- **Uncommissioned display joins**: the supplier's signed ``han.device-remove`` takes the
  connected display off the meter's HAN device log; the meter drops it (and its bond), the
  display pairs again, and the handshake refuses it (``session.refused {reason:
  not-commissioned}``), which the display shows in its own words. **Restore** is the supplier's
  signed ``han.device-add`` of the same display and certificate.
- **Fake meter**: the meter drops the link and answers the next handshakes with a proof signed
  by a certificate that is not a meter's (the PKI's ``supplier``) or does not chain to the
  display's root (``rogue-dno``). The display refuses it (``link.untrusted {reason:
  meter-unproven}``) and hangs up without using the link; that hang-up is what the meter sees
  (a display gives an unproven meter no reason). **Restore** signs proofs as the meter again.

Each demonstration is a :class:`DemonstrationRecord` with the outcome expected beside the one
observed, like an attack's; events ``attack.demonstrated``, ``attack.outcome``,
``attack.restored`` and ``attack.link-back``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.errors import ConfigurationError, IhdError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.session import HandshakeFailure
from meter_emulator.gatt import MeterGattServer
from meter_emulator.gatt.pairing_window import PairingWindow
from meter_emulator.han_devices import HanDevices
from meter_emulator.link_sessions import LinkSessions
from meter_emulator.operator.console import OperatorConsole

if TYPE_CHECKING:
    from meter_emulator.device_log import HanDevice


class MeterForDemonstrations(Protocol):
    """What the link demonstrations need of the meter (:class:`meter_emulator.runtime.MeterRuntime`
    is one): its links, device log, pairing window, handshake and operator console."""

    @property
    def events(self) -> EventLog: ...
    @property
    def server(self) -> MeterGattServer | None: ...
    @property
    def han(self) -> HanDevices: ...
    @property
    def pairing_window(self) -> PairingWindow: ...
    @property
    def operator(self) -> OperatorConsole: ...
    @property
    def sessions(self) -> LinkSessions: ...
    def identity_of(self, name: str) -> Identity: ...
    def wall_now(self) -> datetime: ...
    async def drop_link(self) -> None: ...


#: Seconds the pairing window is opened for, when closed, so the refused display can pair
#: again and reach the handshake (a closed window would stop it at pairing instead).
PAIRING_WINDOW_S = 120.0
#: The scenario name of the Restore action.
RESTORE = "restore-link"


class DemonstrationError(IhdError):
    """A demonstration cannot start (no display to take off the log, one already running...)."""


@dataclass(frozen=True)
class Demonstration:
    """One demonstration of the attack console.

    Attributes:
        name: Short identifier (scenarios name it).
        title: The button's text.
        explanation: What will happen, in one sentence.
        expected: The outcome the display must give (a ``link.untrusted`` reason).
        signer: For a fake meter: the PKI identity its proofs are signed with.
    """

    name: str
    title: str
    explanation: str
    expected: str
    signer: str | None = None


DEMONSTRATIONS: tuple[Demonstration, ...] = (
    Demonstration(
        "uncommissioned-display",
        "Uncommissioned display joins",
        "The supplier takes the connected display off the meter's device log (signed "
        "han.device-remove): the meter drops it, and when it pairs again the meter refuses it "
        "as not commissioned, which the display explains.",
        Reason.NOT_COMMISSIONED.value,
    ),
    Demonstration(
        "fake-meter-supplier",
        "Fake meter: supplier's certificate",
        "The meter drops the link and proves itself with the supplier's certificate instead "
        "of a meter's: the display refuses the fake meter and shows nothing from it.",
        HandshakeFailure.UNPROVEN.value,
        signer="supplier",
    ),
    Demonstration(
        "fake-meter-untrusted",
        "Fake meter: untrusted root",
        "The meter drops the link and proves itself with a certificate from a root the display "
        "does not trust: the display refuses the fake meter and shows nothing from it.",
        HandshakeFailure.UNPROVEN.value,
        signer="rogue-dno",
    ),
)

#: Every name a scenario's ``attack`` step may give for a demonstration.
DEMONSTRATION_NAMES: tuple[str, ...] = (*(d.name for d in DEMONSTRATIONS), RESTORE)


def demonstration(name: str) -> Demonstration:
    """The demonstration called ``name``.

    Raises:
        KeyError: There is none.
    """
    for shown in DEMONSTRATIONS:
        if shown.name == name:
            return shown
    raise KeyError(name)


@dataclass
class DemonstrationRecord:
    """One demonstration run.

    Attributes:
        name: The demonstration's name.
        expected: The outcome the display must give.
        sent_at: When it started (wall clock).
        ihd_id: The display it is played on.
        how: What the meter did, in words (which signed command, which certificate).
        reason: The outcome observed, once seen.
        detail: How it was observed.
        accepted: The display accepted what it must refuse (it must never happen).
        restored_at: When Restore was pressed.
        back_at: When the display's link was served again after Restore.
    """

    name: str
    expected: str
    sent_at: datetime
    ihd_id: str
    how: str
    reason: str | None = None
    detail: str = ""
    accepted: bool = False
    restored_at: datetime | None = None
    back_at: datetime | None = None

    @property
    def as_expected(self) -> bool | None:
        """Whether the outcome is the one expected (``None``: not seen yet)."""
        return None if self.reason is None else self.reason == self.expected


class LinkDemonstrations:
    """Plays the link demonstrations on a running meter and watches its events for their
    outcome.

    Args:
        runtime: The running meter.
    """

    def __init__(self, runtime: MeterForDemonstrations) -> None:
        self._runtime = runtime
        self.records: list[DemonstrationRecord] = []
        #: The demonstration Restore undoes.
        self.active: DemonstrationRecord | None = None
        self._removed: HanDevice | None = None
        self._fake_proof_out = False
        self._tasks: set[asyncio.Task[None]] = set()
        runtime.events.subscribe(self._on_event)

    @staticmethod
    def available() -> tuple[Demonstration, ...]:
        """Every demonstration, in the order of the attack console's buttons."""
        return DEMONSTRATIONS

    def start(self, name: str) -> DemonstrationRecord:
        """Start demonstration ``name`` (Restore the one running first).

        Raises:
            DemonstrationError: Unknown name, one already running, or no display to play it on.
        """
        try:
            chosen = demonstration(name)
        except KeyError:
            known = ", ".join(DEMONSTRATION_NAMES)
            raise DemonstrationError(f"no demonstration '{name}' (known: {known})") from None
        if self.active is not None:
            raise DemonstrationError(f"'{self.active.name}' is still running: press Restore first")
        if chosen.signer is None:
            record = self._uncommission(chosen)
        else:
            record = self._impersonate(chosen, chosen.signer)
        self.records.append(record)
        self.active = record
        self._runtime.events.emit(
            "attack.demonstrated",
            name=chosen.name,
            title=chosen.title,
            description=chosen.explanation,
            expected_reason=chosen.expected,
            ihd_id=record.ihd_id,
            how=record.how,
        )
        return record

    def _display(self) -> str:
        """The display the demonstration is played on: the PKI's own display (``ihd``, the
        one a demonstrator shows) if it is served now, else any served now, else the first on
        the device log."""
        runtime = self._runtime
        served = [s.ihd_id for s in runtime.server.sessions] if runtime.server is not None else []
        try:
            own = runtime.identity_of("ihd").entity_id
        except ConfigurationError:
            own = None
        if own in served:
            return str(own)
        if served:
            return served[0]
        devices = runtime.han.devices
        if not devices:
            raise DemonstrationError("no display on the device log to take off it")
        return devices[0].ihd_id

    def _uncommission(self, chosen: Demonstration) -> DemonstrationRecord:
        runtime = self._runtime
        ihd_id = self._display()
        entry = next((d for d in runtime.han.devices if d.ihd_id == ihd_id), None)
        if entry is None:
            raise DemonstrationError(f"display {ihd_id} is not on the device log")
        how = "the supplier's signed han.device-remove"
        if not runtime.pairing_window.is_open:
            # Refused at pairing the display would never reach the handshake that names why.
            runtime.pairing_window.open(PAIRING_WINDOW_S, by="attack console")
            how += f"; pairing window opened for {PAIRING_WINDOW_S:.0f} s"
        record = DemonstrationRecord(chosen.name, chosen.expected, runtime.wall_now(), ihd_id, how)
        self._removed = entry
        sent = runtime.operator.send(
            "supplier", MessageRequest("han.device-remove", device_id=ihd_id)
        )
        if sent.refused_reason:
            record.reason = f"command refused: {sent.refused_reason}"
        return record

    def _impersonate(self, chosen: Demonstration, signer: str) -> DemonstrationRecord:
        runtime = self._runtime
        identity = runtime.identity_of(signer)
        ihd_id = self._display()
        how = (
            f"proofs signed by {identity.summary.organisation} ({identity.entity_id}, "
            f"role {identity.summary.role.value if identity.summary.role else 'none'})"
        )
        record = DemonstrationRecord(chosen.name, chosen.expected, runtime.wall_now(), ihd_id, how)
        runtime.sessions.proof_signer = identity
        self._fake_proof_out = False
        # The display reconnects by itself and meets the fake meter.
        task = asyncio.ensure_future(runtime.drop_link())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return record

    def restore(self) -> DemonstrationRecord | None:
        """Undo the running demonstration (``None``: none runs): the supplier's signed
        ``han.device-add`` puts the display back, or the meter signs its proofs again."""
        record = self.active
        if record is None:
            return None
        runtime = self._runtime
        self.active = None
        record.restored_at = runtime.wall_now()
        if record.name == "uncommissioned-display":
            entry = self._removed
            self._removed = None
            if entry is not None:
                runtime.operator.send(
                    "supplier",
                    MessageRequest(
                        "han.device-add",
                        device_id=entry.ihd_id,
                        device_certificate_sha256=entry.fingerprint,
                    ),
                )
            how = "the supplier's signed han.device-add"
        else:
            runtime.sessions.proof_signer = None
            how = "proofs signed by the meter again"
        runtime.events.emit("attack.restored", name=record.name, ihd_id=record.ihd_id, how=how)
        return record

    def _on_event(self, event: Mapping[str, Any]) -> None:
        name = event.get("event")
        if name == "session.established":
            self._link_back(str(event.get("ihd_id", "")))
            return
        record = self.active
        if record is None or record.reason is not None:
            return
        if record.name == "uncommissioned-display":
            if name == "session.refused" and event.get("ihd_id") == record.ihd_id:
                self._observed(
                    record, str(event.get("reason", "")), "the meter refused the display's hello"
                )
            return
        if name == "session.fake-proof":
            self._fake_proof_out = True
        elif name == "ihd.rejected" and self._fake_proof_out:
            # The display wrote a reply on the fake meter's link: it trusted it.
            record.accepted = True
            self._observed(record, "accepted", "the display used the fake meter's link")
        elif name == "link.disconnected" and self._fake_proof_out:
            self._fake_proof_out = False
            self._observed(
                record,
                HandshakeFailure.UNPROVEN.value,
                "the display hung up on the fake proof without using the link",
            )

    def _observed(self, record: DemonstrationRecord, reason: str, detail: str) -> None:
        record.reason = reason
        record.detail = detail
        self._runtime.events.emit(
            "attack.outcome",
            name=record.name,
            reason=reason,
            expected_reason=record.expected,
            as_expected=record.as_expected,
            detail=detail,
        )

    def _link_back(self, ihd_id: str) -> None:
        for record in reversed(self.records):
            if record.ihd_id != ihd_id or record.restored_at is None or record.back_at:
                continue
            record.back_at = self._runtime.wall_now()
            self._runtime.events.emit("attack.link-back", name=record.name, ihd_id=ihd_id)
            return


__all__ = [
    "DEMONSTRATIONS",
    "DEMONSTRATION_NAMES",
    "RESTORE",
    "Demonstration",
    "DemonstrationError",
    "DemonstrationRecord",
    "LinkDemonstrations",
]
