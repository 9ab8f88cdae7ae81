"""The network operators' data console (seed use cases 01-07, 11, 13, 16, gas 01): ask the
meter for a kind of network data, or subscribe to it at an interval, as the party it belongs to;
see what each sealed answer held once the operator's key opened it, and plot it: the voltage
band (min / mean / max, with the statutory limits) and import / export per period.

Every request goes through the operator console like any other command: signed, verified by the
meter, answered only as the consumer's consent (or the licence) allows. A refusal says why."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.consent_terms import Granularity
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.network_data import (
    MAX_INTERVAL_MIN,
    MIN_INTERVAL_MIN,
    DataKind,
    OpenedNetworkData,
)
from meter_emulator.operator.network_series import energy_bars, voltage_band
from meter_emulator.operator.status import MessageRecord
from meter_emulator.runtime import MeterRuntime
from meter_emulator.simulation.voltage import HIGH_LIMIT_V, LOW_LIMIT_V
from meter_emulator.ui.models.network_data import NetworkDataModel
from meter_emulator.ui.widgets.wrapping_table import WrappingTable

#: Colours of the plots (readable on the light and dark themes).
BAND, MEAN, LIMIT = (70, 130, 180, 90), "#1f5f99", "#b3261e"
IMPORT, EXPORT = "#a15c00", "#1b7f3b"


class NetworkDataPanel(QWidget):
    """Ask for, subscribe to and plot network data.

    Args:
        runtime: The running meter (its operator console and the operators' inbox).
        parent: Qt parent.
    """

    def __init__(self, runtime: MeterRuntime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._runtime = runtime
        self._subscriptions: list[tuple[str, str]] = []
        self.setObjectName("NetworkDataPanel")
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Network data for the DNO and the gas network: each answer is signed by the meter "
            "and encrypted to the asking operator's certificate, and sent only as the "
            "household's consent or the operator's licence allows.",
            self,
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addLayout(self._controls())
        self.result = QLabel("", self)
        self.result.setWordWrap(True)
        self.result.setObjectName("networkResult")
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.result)
        plots = QHBoxLayout()
        self.voltage_plot = self._plot("Voltage at the meter (V)")
        self.energy_plot = self._plot("Import (up) and export (down), kWh")
        plots.addWidget(self.voltage_plot, 1)
        plots.addWidget(self.energy_plot, 1)
        layout.addLayout(plots, 1)
        self.model = NetworkDataModel(self)
        self.table = WrappingTable((None, None, None, None, 1.0), self)
        self.table.setObjectName("networkDataTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAccessibleName("Network data received by the operators")
        self.table.setMaximumHeight(120)
        layout.addWidget(self.table)
        inbox = runtime.operator.network_data
        for key in inbox.requests():
            for opened in inbox.received(key):
                self.model.add(key, opened)
        unlisten = inbox.listen(self._received)
        # The console outlives a closed window: stop telling a deleted panel.
        self.destroyed.connect(lambda *_: unlisten())
        self.redraw()

    def _controls(self) -> QGridLayout:
        grid = QGridLayout()
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Kind of network data")
        for kind in DataKind:
            self.kind.addItem(f"{kind.rule.title} ({kind.rule.party.upper()})", kind.value)
        self.periods = QSpinBox(self)
        self.periods.setRange(1, 255)
        self.periods.setValue(48)
        self.periods.setSuffix(" half hours")
        self.periods.setAccessibleName("How many half hours, up to now")
        self.granularity = QComboBox(self)
        self.granularity.setAccessibleName("Granularity asked for")
        for level in reversed(list(Granularity)):
            self.granularity.addItem(level.label, level.value)
        self.ask_button = QPushButton("Ask the meter", self)
        self.ask_button.clicked.connect(self.ask)
        self.interval = QSpinBox(self)
        self.interval.setRange(MIN_INTERVAL_MIN, MAX_INTERVAL_MIN)
        self.interval.setSingleStep(30)
        self.interval.setSuffix(" min")
        self.interval.setAccessibleName("Push interval (simulated minutes)")
        self.subscribe_button = QPushButton("Push every", self)
        self.subscribe_button.clicked.connect(self.subscribe)
        self.stop_button = QPushButton("Stop pushes", self)
        self.stop_button.clicked.connect(self.stop_pushes)
        grid.addWidget(QLabel("Data", self), 0, 0)
        grid.addWidget(self.kind, 0, 1)
        grid.addWidget(self.periods, 0, 2)
        grid.addWidget(self.granularity, 0, 3)
        grid.addWidget(self.ask_button, 0, 4)
        grid.addWidget(self.subscribe_button, 1, 1)
        grid.addWidget(self.interval, 1, 2)
        grid.addWidget(self.stop_button, 1, 4)
        grid.setColumnStretch(1, 1)
        return grid

    def _plot(self, title: str) -> pg.PlotWidget:
        plot = pg.PlotWidget(axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        plot.setTitle(title)
        # Both plots and the table fit a 720-pixel-high window without scrolling.
        plot.setMinimumHeight(180)
        plot.setMaximumHeight(250)
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setMouseEnabled(x=True, y=False)
        return plot

    def _kind(self) -> DataKind:
        return DataKind(str(self.kind.currentData()))

    def _send(self, request: MessageRequest) -> MessageRecord | None:
        kind = self._kind()
        try:
            record = self._runtime.operator.send(kind.rule.party, request)
        except IhdError as error:
            self.result.setText(f"Not sent: {error}")
            return None
        said = record.outcome or record.refused_detail or record.status.value
        self.result.setText(f"{request.type_name} ({kind.value}) as {kind.rule.party}: {said}")
        return record

    def ask(self) -> MessageRecord | None:
        """Ask for what the controls say, as the party the kind belongs to."""
        return self._send(
            MessageRequest(
                "netdata.request",
                periods=self.periods.value(),
                extra_details={
                    "kind": self._kind().value,
                    "granularity": str(self.granularity.currentData()),
                },
            )
        )

    def subscribe(self) -> MessageRecord | None:
        """Have the meter push the chosen kind at the chosen interval."""
        record = self._send(
            MessageRequest(
                "netdata.subscribe",
                extra_details={
                    "kind": self._kind().value,
                    "interval_min": self.interval.value(),
                    "granularity": str(self.granularity.currentData()),
                },
            )
        )
        if record is not None and not record.declined and record.refused_reason is None:
            self._subscriptions.append((self._kind().rule.party, record.key))
        return record

    def stop_pushes(self) -> None:
        """Cancel every subscription this panel set up (a signed ``netdata.unsubscribe`` each)."""
        running = {s.key for s in self._runtime.network_data.subscriptions}
        for party, key in self._subscriptions:
            if key in running:
                self._runtime.operator.send(
                    party,
                    MessageRequest("netdata.unsubscribe", extra_details={"subscription": key}),
                )
        self._subscriptions.clear()
        self.result.setText("Pushes stopped.")

    def _received(self, key: str, opened: OpenedNetworkData) -> None:
        self.model.add(key, opened)
        self.redraw()

    def redraw(self) -> None:
        """Plot everything received."""
        received = self.model.received()
        self.voltage_plot.clear()
        band = voltage_band(received)
        if band.starts:
            low = pg.PlotDataItem(band.starts, band.min_v, pen=pg.mkPen(BAND[:3]))
            high = pg.PlotDataItem(band.starts, band.max_v, pen=pg.mkPen(BAND[:3]))
            self.voltage_plot.addItem(low)
            self.voltage_plot.addItem(high)
            self.voltage_plot.addItem(pg.FillBetweenItem(low, high, brush=pg.mkBrush(*BAND)))
            self.voltage_plot.plot(band.starts, band.mean_v, pen=pg.mkPen(MEAN, width=2))
        for limit in (LOW_LIMIT_V, HIGH_LIMIT_V):
            line = pg.InfiniteLine(limit, angle=0, pen=pg.mkPen(LIMIT, style=Qt.PenStyle.DashLine))
            self.voltage_plot.addItem(line)
        self.voltage_plot.setYRange(LOW_LIMIT_V - 4, HIGH_LIMIT_V + 4)
        self.energy_plot.clear()
        bars = energy_bars(received)
        if bars.starts:
            width = bars.width_s * 0.8
            middles = [s + bars.width_s / 2 for s in bars.starts]
            self.energy_plot.addItem(
                pg.BarGraphItem(x=middles, height=bars.import_kwh, width=width, brush=IMPORT)
            )
            exported = [-kwh for kwh in bars.export_kwh]
            self.energy_plot.addItem(
                pg.BarGraphItem(x=middles, height=exported, width=width, brush=EXPORT)
            )


__all__ = ["NetworkDataPanel"]
