"""The meter panel's flexible loads: plug the EV charger or the immersion heater in, and see
when a flexibility event (under the householder's agreement) pauses one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import QCheckBox, QVBoxLayout, QWidget

from meter_emulator.simulation.flexible_loads import FLEXIBLE_LOADS, FlexibleLoads


def load_text(name: str, watts: float, paused: bool) -> str:
    """``EV charger plugged in (7 kW)``, with `` — paused by a flexibility event`` when held."""
    label = name.replace("-", " ").capitalize().replace("Ev ", "EV ")
    held = " — paused by a flexibility event" if paused else ""
    return f"{label} plugged in ({watts / 1000:g} kW){held}"


class FlexibleLoadsBox(QWidget):
    """One tick box per flexible load.

    Args:
        loads: The premises' flexible loads.
        clock: The meter's time (a load is paused inside a deferral window).
        changed: Called after a load is plugged in or out (the panel refreshes).
        parent: The appliances group.
    """

    def __init__(
        self,
        loads: FlexibleLoads,
        clock: Callable[[], datetime],
        changed: Callable[[], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._loads = loads
        self._clock = clock
        self._changed = changed
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        #: Load name -> its tick box.
        self.boxes: dict[str, QCheckBox] = {}
        for load in FLEXIBLE_LOADS:
            box = QCheckBox(load_text(load.name, load.watts, False), self)
            box.setAccessibleName(f"{load.name.replace('-', ' ')} plugged in")
            box.toggled.connect(lambda on, n=load.name: self._plug(n, on))
            layout.addWidget(box)
            self.boxes[load.name] = box

    def refresh(self) -> None:
        """Show which loads are plugged in and which a flexibility event pauses now."""
        held = {load.name for load in self._loads.held_off(self._clock())}
        for load in FLEXIBLE_LOADS:
            box = self.boxes[load.name]
            box.blockSignals(True)
            box.setChecked(load.name in self._loads.plugged_in)
            box.setText(load_text(load.name, load.watts, load.name in held))
            box.blockSignals(False)

    def _plug(self, name: str, on: bool) -> None:
        self._loads.plug_in(name, on)
        self._changed()
