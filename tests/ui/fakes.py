"""The in-memory service some widget tests run against, and a recorder of what the UI asked.

The tests that matter most (acknowledging, pairing, forgetting, the charts of backfilled
history, the security log, consent and wipe) run on the real IHD service and meter emulator
(``test_live_stack.py``). This fake serves the rest: states the real stack cannot reach on cue
(a link mid-reconnect, a withdrawn pairing question, a failing action, fixed demo figures).
Every test talks to the service only through :class:`IhdServiceApi`; what the *meter side*
does goes through :class:`MeterSide`, which for the fake is the fake itself.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol

from ihd_app.core.model import InboxMessage, SecurityEvent, Tariff
from ihd_app.core.readings import Fuel, Reading
from ihd_app.core.tou_calendar import TouCalendar
from ihd_app.link.bumble_backend.security import LinkSecurity
from ihd_app.link.meter_link import LinkState, ScanResult
from ihd_app.service.api import (
    BackfillProgress,
    ConnectionProblem,
    IhdServiceApi,
    PairingQuestion,
    PairingRequest,
)
from tests.ui.fake.demo_data import DEMO_NOW, populate
from tests.ui.fake.flexibility import FakeFlexibility
from tests.ui.fake.service import SECURE_LINK, FakeService, scan_result

__all__ = [
    "DEMO_NOW",
    "SECURE_LINK",
    "FakeService",
    "MeterSide",
    "Recorder",
    "make_service",
    "scan_result",
]


class MeterSide(Protocol):
    """What happens on the other side of the link, as the tests need it."""

    def inject_message(self, message: InboxMessage) -> None: ...
    def cancel_message(self, key: str, note: str = ...) -> None: ...
    def inject_refusal(self, event: SecurityEvent) -> None: ...
    def inject_reading(self, reading: Reading) -> None: ...
    def set_tariff(self, tariff: Tariff) -> None: ...
    def set_tou_calendar(self, fuel: Fuel, calendar: TouCalendar | None) -> None: ...
    def set_link(
        self,
        state: LinkState,
        security: LinkSecurity | None = None,
        meter: Any = None,
    ) -> None: ...
    def set_backfill(self, progress: BackfillProgress) -> None: ...
    def set_problem(self, problem: ConnectionProblem | None) -> None: ...
    def ask_pairing(self, request: PairingRequest) -> None: ...
    def withdraw_pairing(self) -> None: ...

    scan_results: list[ScanResult]
    pairing_question: PairingQuestion
    pairing_number: int
    flexibility: FakeFlexibility


_ACTIONS = {
    "scan",
    "connect",
    "forget_meter",
    "acknowledge",
    "answer_pairing",
    "pair_again",
    "set_consent",
    "wipe_local_data",
    "move_out",
    "export_data_access",
}


class Recorder:
    """Wraps any :class:`IhdServiceApi`: delegates everything, records every action called.

    Attributes:
        calls: ``(action, arguments...)`` in call order.
    """

    def __init__(self, service: IhdServiceApi) -> None:
        self._service = service
        self.calls: list[tuple[Any, ...]] = []

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._service, name)
        if name not in _ACTIONS:
            return value

        def recorded(*args: Any, **kwargs: Any) -> Any:
            self.calls.append((name, *args, *kwargs.values()))
            return value(*args, **kwargs)

        return recorded

    def called(self, name: str) -> list[tuple[Any, ...]]:
        """The calls of action ``name`` (arguments only)."""
        return [call[1:] for call in self.calls if call[0] == name]


def make_service(
    *,
    now: datetime = DEMO_NOW,
    demo: bool = True,
    exclude: Sequence[str] = (),
    paired: bool = True,
) -> tuple[Recorder, MeterSide, Callable[[], datetime]]:
    """The service under test (recorded), its meter side, and the clock both use.

    This is the one place that knows the service is the in-memory fake.
    """
    clock = lambda: now  # noqa: E731
    fake = FakeService(clock=clock)
    if demo:
        populate(fake, now, exclude=exclude, paired=paired)
    return Recorder(fake), fake, clock
