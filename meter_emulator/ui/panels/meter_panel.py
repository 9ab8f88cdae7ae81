"""The live meter: demand dial, supply state and restore button, appliances, threshold, network
and safety controls, registers and consent.

Everything here acts on the running meter's behaviour exactly as a scenario step does, so what a
demonstrator does by hand is logged and reported to the IHD the same way.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.zcl import SupplyStatus
from meter_emulator.behaviour.meter import RestoreRefusedError
from meter_emulator.runtime import MeterRuntime
from meter_emulator.simulation.premises import NOMINAL_V, appliance_names
from meter_emulator.snapshot import MeterSnapshot
from meter_emulator.ui.panels.flexible_loads_box import FlexibleLoadsBox
from meter_emulator.ui.widgets.demand_gauge import DemandGauge

#: Speeds offered (simulated seconds per real second).
SPEEDS = (1.0, 10.0, 60.0, 600.0)
_APPLIANCE_STATES = (("schedule", None), ("on", True), ("off", False))


def supply_text(snapshot: MeterSnapshot) -> str:
    """Electricity and gas supply in words (with why the electricity is off)."""
    if snapshot.electricity_supply is SupplyStatus.ON:
        electricity = "Electricity ON"
    else:
        causes = ", ".join(snapshot.off_causes) or "switched off"
        armed = snapshot.electricity_supply is SupplyStatus.ARMED
        # Armed: enabled by the operator, waiting for the consumer's Restore.
        electricity = f"Electricity {'ARMED' if armed else 'OFF'} ({causes})"
    gas = "Gas ON" if snapshot.gas_supply is SupplyStatus.ON else "Gas OFF (valve closed)"
    return f"{electricity} · {gas}"


def threshold_text(snapshot: MeterSnapshot) -> str:
    """The maximum power threshold and its state in words."""
    if snapshot.threshold_kw is None:
        return "No maximum power threshold set (the DNO sets one with power.threshold-set)"
    grace = f", grace {snapshot.grace_s:g} s" if snapshot.grace_s is not None else ""
    return f"{snapshot.threshold_kw:.1f} kW{grace} · {snapshot.threshold_state}"


def consent_text(snapshot: MeterSnapshot) -> str:
    """What the consumer allows each party and purpose, as the IHD last told the meter (the
    licence exemptions apply besides: monthly totals for bills and network planning)."""
    allowed: list[str] = []
    for grant in snapshot.grants:
        level = grant.allows_at(snapshot.sim_time)
        if level is None:
            continue
        party = grant.party.upper() if grant.party in ("dno", "gdn") else grant.party
        until = f" until {grant.expires:%d %b %Y}" if grant.expires else ""
        allowed.append(f"{party} {grant.purpose}: {level.value}{until}")
    if not allowed:
        return "No consent given: only what a licence allows (monthly totals) is sent"
    return " · ".join(allowed)


class MeterPanel(QWidget):
    """The meter at a glance, and the controls a demonstrator uses on it.

    Args:
        runtime: The running meter.
        parent: Qt parent.
    """

    def __init__(self, runtime: MeterRuntime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runtime = runtime
        self.setObjectName("MeterPanel")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)

        clock_row = QHBoxLayout()
        self.clock = QLabel(self)
        self.clock.setObjectName("simClock")
        self.clock.setAccessibleName("Simulated time")
        clock_row.addWidget(self.clock, 1)
        clock_row.addWidget(QLabel("Speed", self))
        self.speed = QComboBox(self)
        self.speed.setAccessibleName("Simulation speed")
        for value in SPEEDS:
            self.speed.addItem(f"×{value:g}", value)
        self._select_speed(runtime.sim.speed)
        self.speed.activated.connect(self._speed_chosen)
        clock_row.addWidget(self.speed)
        layout.addLayout(clock_row)

        self.gauge = DemandGauge(self)
        layout.addWidget(self.gauge, 3)
        self.readout = QLabel(self)
        self.readout.setObjectName("readout")
        self.readout.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.readout.setAccessibleName("Gas demand and voltage")
        layout.addWidget(self.readout)

        supply = QGroupBox("Supply", self)
        supply_layout = QVBoxLayout(supply)
        self.supply = QLabel(supply)
        self.supply.setObjectName("supplyState")
        self.supply.setAccessibleName("Supply state")
        self.supply.setWordWrap(True)
        supply_layout.addWidget(self.supply)
        self.threshold = QLabel(supply)
        self.threshold.setObjectName("thresholdState")
        self.threshold.setAccessibleName("Maximum power threshold")
        self.threshold.setWordWrap(True)
        supply_layout.addWidget(self.threshold)
        buttons = QHBoxLayout()
        self.restore = QPushButton("Restore supply", supply)
        self.restore.setToolTip(
            "The button on the meter the consumer presses after an interruption"
        )
        self.restore.setAccessibleName("Restore supply (button on the meter)")
        self.restore.clicked.connect(self._restore)
        buttons.addWidget(self.restore)
        self.open_gas = QPushButton("Open gas valve", supply)
        self.open_gas.setToolTip("A competent person reopens the valve the gas network closed")
        self.open_gas.clicked.connect(self._open_gas)
        buttons.addWidget(self.open_gas)
        supply_layout.addLayout(buttons)
        self.notice = QLabel(supply)
        self.notice.setObjectName("meterNotice")
        self.notice.setProperty("role", "notice")
        self.notice.setWordWrap(True)
        self.notice.hide()
        supply_layout.addWidget(self.notice)
        layout.addWidget(supply)

        appliances = QGroupBox("Appliances", self)
        grid = QGridLayout(appliances)
        self.appliances: dict[str, QComboBox] = {}
        for number, name in enumerate(appliance_names()):
            label = QLabel(name.replace("-", " ").capitalize(), appliances)
            choice = QComboBox(appliances)
            choice.setAccessibleName(f"{name.replace('-', ' ')}: on, off or as scheduled")
            for text, _state in _APPLIANCE_STATES:
                choice.addItem(text)
            choice.activated.connect(lambda index, n=name: self._appliance(n, index))
            label.setBuddy(choice)
            row, column = divmod(number, 2)
            grid.addWidget(label, row, column * 2)
            grid.addWidget(choice, row, column * 2 + 1)
            self.appliances[name] = choice
        self.flexible = FlexibleLoadsBox(
            runtime.premises.flexible, runtime.sim.now, self.refresh, appliances
        )
        grid.addWidget(self.flexible, grid.rowCount(), 0, 1, 4)
        layout.addWidget(appliances)

        network = QGroupBox("Network and safety", self)
        network_layout = QGridLayout(network)
        self.outage = QPushButton("Start power cut", network)
        self.outage.setCheckable(True)
        self.outage.setAccessibleName("Network power cut: start or end")
        self.outage.toggled.connect(self._outage)
        network_layout.addWidget(self.outage, 0, 0)
        self.alarm = QPushButton("Safety alarm", network)
        self.alarm.setToolTip("The meter detects a fault and disconnects the supply itself")
        self.alarm.clicked.connect(self._alarm)
        network_layout.addWidget(self.alarm, 0, 1)
        self.volts = QDoubleSpinBox(network)
        self.volts.setRange(150.0, 300.0)
        self.volts.setDecimals(1)
        self.volts.setSuffix(" V")
        self.volts.setValue(NOMINAL_V)
        self.volts.setAccessibleName("Supply voltage to simulate")
        network_layout.addWidget(self.volts, 1, 0)
        voltage_buttons = QHBoxLayout()
        self.apply_volts = QPushButton("Set voltage", network)
        self.apply_volts.clicked.connect(self._set_voltage)
        voltage_buttons.addWidget(self.apply_volts)
        self.normal_volts = QPushButton("Normal", network)
        self.normal_volts.setAccessibleName("Back to the network's normal voltage")
        self.normal_volts.clicked.connect(self._normal_voltage)
        voltage_buttons.addWidget(self.normal_volts)
        network_layout.addLayout(voltage_buttons, 1, 1)
        layout.addWidget(network)

        facts = QFormLayout()
        self.registers = QLabel(self)
        self.registers.setAccessibleName("Meter registers")
        facts.addRow("Registers", self.registers)
        self.consent = QLabel(self)
        self.consent.setWordWrap(True)
        self.consent.setAccessibleName("Consent to read usage data")
        facts.addRow("Data sharing", self.consent)
        self.change_occupier = QPushButton("Change of occupier", self)
        self.change_occupier.setToolTip(
            "As the supplier: a new household moves in now. The meter forgets the consents, "
            "pairings and waiting messages of the one that left and keeps its registers"
        )
        self.change_occupier.clicked.connect(self._change_occupier)
        facts.addRow("Household", self.change_occupier)
        layout.addLayout(facts)
        self.refresh()

    def _select_speed(self, speed: float) -> None:
        index = self.speed.findData(speed)
        if index < 0:
            self.speed.addItem(f"×{speed:g}", speed)
            index = self.speed.count() - 1
        self.speed.setCurrentIndex(index)

    def _speed_chosen(self, index: int) -> None:
        self._runtime.sim.set_speed(float(self.speed.itemData(index)))
        self._runtime.events.emit("speed.changed", speed=self._runtime.sim.speed)
        self.refresh()

    def _say(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))

    def _restore(self) -> None:
        try:
            self._runtime.behaviour.restore("consumer (meter button)")
        except RestoreRefusedError as error:
            said = str(error)
            self._say(said[:1].upper() + said[1:])
        else:
            self._say("")
        self.refresh()

    def _open_gas(self) -> None:
        self._runtime.behaviour.open_gas_valve()
        self.refresh()

    def _appliance(self, name: str, index: int) -> None:
        self._runtime.behaviour.set_appliance(name, _APPLIANCE_STATES[index][1])
        self.refresh()

    def _outage(self, started: bool) -> None:
        behaviour = self._runtime.behaviour
        if started:
            behaviour.start_outage()
        else:
            behaviour.end_outage()
        self.outage.setText("End power cut" if started else "Start power cut")
        self.refresh()

    def _change_occupier(self) -> None:
        # The supplier's signed command, through the same path as one from its systems.
        record = self._runtime.operator.send("supplier", MessageRequest("occupier.change"))
        self._say(record.outcome or "Change of occupier sent")
        self.refresh()

    def _alarm(self) -> None:
        self._runtime.behaviour.safety_alarm()
        self.refresh()

    def _set_voltage(self) -> None:
        self._runtime.behaviour.set_voltage(self.volts.value())
        self.refresh()

    def _normal_voltage(self) -> None:
        self._runtime.behaviour.set_voltage(None)
        self.volts.setValue(NOMINAL_V)
        self.refresh()

    def refresh(self) -> None:
        """Show the meter's state now."""
        snapshot = self._runtime.snapshot()
        local = snapshot.sim_time.astimezone()
        self.clock.setText(f"Meter time <b>{local:%a %d %b %H:%M:%S}</b>")
        if self.speed.currentData() != snapshot.speed:
            self._select_speed(snapshot.speed)
        on = snapshot.electricity_supply is SupplyStatus.ON
        self.gauge.set_values(snapshot.electricity_w / 1000, snapshot.threshold_kw, on)
        self.readout.setText(
            f"Gas {snapshot.gas_w / 1000:.2f} kW · Supply voltage {snapshot.voltage_v:.1f} V"
        )
        self.supply.setText(supply_text(snapshot))
        self.supply.setProperty("state", "on" if on else "off")
        self.supply.style().unpolish(self.supply)
        self.supply.style().polish(self.supply)
        self.threshold.setText(f"Maximum power threshold: {threshold_text(snapshot)}")
        self.restore.setEnabled(not on)
        self.open_gas.setEnabled(snapshot.gas_supply is not SupplyStatus.ON)
        for name, choice in self.appliances.items():
            forced = snapshot.appliances.get(name.replace("-", " "))
            wanted = {None: 0, True: 1, False: 2}[forced]
            if choice.currentIndex() != wanted:
                choice.setCurrentIndex(wanted)
        if self.outage.isChecked() != ("network-outage" in snapshot.off_causes):
            self.outage.blockSignals(True)
            self.outage.setChecked("network-outage" in snapshot.off_causes)
            self.outage.setText("End power cut" if self.outage.isChecked() else "Start power cut")
            self.outage.blockSignals(False)
        self.registers.setText(
            f"Electricity {snapshot.electricity_register_wh / 1000:,.1f} kWh · "
            f"Gas {snapshot.gas_register_wh / 1000:,.1f} kWh"
        )
        self.consent.setText(consent_text(snapshot))
        self.flexible.refresh()
