"""The real stack for widget tests: the meter emulator and the IHD service in this process.

Both run on the session's qasync loop (see ``conftest.py``), connected over the virtual air on a
free loopback port, exactly as ``ihd`` runs them; the tests click the real window and wait on
what the service and the meter report (``qtbot.waitUntil``), never on a timer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ihd_app.link.pairing import AutoAccept, PairingAnswers
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import Identity, load_identity
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.resources import demo_pki_dir
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from meter_emulator.config import MeterConfig
from meter_emulator.gatt import AutoAcceptPolicy, PairingMode
from meter_emulator.runtime import MeterRuntime
from tests.e2e.programs import free_port


class Recorded:
    """Every event of one program, to wait on with ``qtbot.waitUntil``."""

    def __init__(self, log: EventLog) -> None:
        self.seen: list[dict[str, Any]] = []
        log.subscribe(self.seen.append)

    def named(self, event: str, /, **fields: Any) -> list[dict[str, Any]]:
        """Events called ``event`` whose fields include ``fields``."""
        return [
            r
            for r in self.seen
            if r["event"] == event and all(r.get(k) == v for k, v in fields.items())
        ]


@dataclass
class LiveStack:
    """A running meter emulator and IHD service, and what each has reported.

    Attributes:
        meter: The meter emulator.
        meter_events: Its events.
        service: The IHD service.
        events: Its events.
        shown_by_meter: What the meter showed while pairing (numbers, passkeys), as logged.
    """

    meter: MeterRuntime
    meter_events: Recorded
    service: IhdService
    events: Recorded
    shown_by_meter: list[str]
    _counters: dict[str, int] = field(default_factory=dict)

    def envelope(self, signer: str, request: MessageRequest) -> bytes:
        """``request`` signed by ``signer`` of the demo PKI, with its next counter."""
        identity: Identity = load_identity(demo_pki_dir(), signer)
        counter = self._counters[signer] = self._counters.get(signer, 0) + 1
        payload, details = compose(request)
        claims = new_claims(
            identity,
            request.type_name,
            self.meter.meter_id,
            counter,
            issued_at=datetime.now(UTC),
            details=details,
        )
        return sign_envelope(identity, claims, payload)

    async def close(self) -> None:
        """The service, then the meter."""
        await self.service.close()
        await self.meter.close()


async def start_stack(
    data_dir: Path,
    *,
    pairing: PairingAnswers | None,
    connect: bool,
    backfill: bool,
    mode: PairingMode = PairingMode.NUMERIC_COMPARISON,
) -> LiveStack:
    """Start the meter, then the service; with ``connect``, find the meter and connect (pairing
    is answered by ``pairing``; ``None`` leaves the question to the window)."""
    radio = RadioSpec.parse(f"virtual:{free_port()}")
    meter_log, ihd_log = EventLog(), EventLog()
    shown: list[str] = []
    meter = MeterRuntime(
        MeterConfig(
            radio=radio,
            data_dir=data_dir / "meter",
            pairing_mode=mode,
            pairing_policy=AutoAcceptPolicy(log=shown.append),
        ),
        meter_log,
    )
    meter_events = Recorded(meter_log)
    await meter.start()
    service = IhdService(
        ServiceConfig(radio=radio, data_dir=data_dir / "ihd", backfill=backfill),
        ihd_log,
        pairing=pairing,
    )
    events = Recorded(ihd_log)
    await service.start()
    if connect:
        assert service.link is not None
        await service.connect(await service.link.find_meter())
        # The meter serves the display once the proof's indication is confirmed.
        await meter.wait_for_ihd()
    return LiveStack(meter, meter_events, service, events, shown)


__all__ = ["AutoAccept", "LiveStack", "Recorded", "start_stack"]
