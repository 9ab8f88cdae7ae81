"""The fake service's flexibility events: the real board (ihd_app.core.flexibility), with the
statuses it owes recorded instead of signed and queued."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ihd_app.core.flexibility import FlexibilityBoard, ShownEvent, StatusDue
from ihd_app.protocol.demand_response import FlexibilityEvent


class FakeFlexibility:
    """What :class:`ihd_app.service.flexibility.FlexibilityKeeper` offers the UI.

    Args:
        clock: The fake service's clock.
        changed: Tells listeners (``Topic.FLEXIBILITY``).
    """

    def __init__(self, clock: Callable[[], datetime], changed: Callable[[], None]) -> None:
        self._clock = clock
        self._changed = changed
        self.board = FlexibilityBoard()
        self._agreements: dict[str, int] = {}
        #: Every status the display would have sent back, in order.
        self.sent: list[StatusDue] = []

    def inject(
        self, event: FlexibilityEvent, originator: str = "dno-demo", organisation: str = "DNO"
    ) -> ShownEvent:
        """A verified event arrives."""
        shown = ShownEvent(event, originator, organisation, f"key-{event.event_id}")
        self.sent += self.board.receive(shown, self._clock())
        self._changed()
        return shown

    def advance(self) -> None:
        """The service's one-second tick."""
        due = self.board.tick(self._clock())
        if due:
            self.sent += due
            self._changed()

    def events(self) -> list[ShownEvent]:
        return self.board.all()

    def running(self) -> ShownEvent | None:
        return self.board.running()

    def opt_out(self, originator: str, event_id: int) -> bool:
        due = self.board.opt_out(originator, event_id, self._clock())
        self.sent += due
        if due:
            self._changed()
        return bool(due)

    def agreements(self) -> dict[str, int]:
        return dict(self._agreements)

    def set_agreement(self, originator: str, device_class: int) -> object:
        if device_class:
            self._agreements[originator] = device_class
        else:
            self._agreements.pop(originator, None)
        self._changed()
        return device_class
