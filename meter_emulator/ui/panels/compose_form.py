"""The operator's compose form: role, message type, and the fields that type uses.

Only the fields a type uses are shown (text and importance for display messages, the outage
window for outages, threshold and grace period for power.threshold-set, prices for tariffs,
half hours for data requests). Types the chosen role may not send stay on the list, marked, so
a demonstrator can show the meter refusing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QWidget,
)

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.consent_terms import PURPOSES, Granularity
from ihd_app.protocol.envelope.claims import DetailValue
from ihd_app.protocol.message_types import message_type
from ihd_app.protocol.pki.roles import Role
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.zcl import Endpoint, Importance

#: The operators, as the combo box lists them.
ROLES = (
    ("DNO (electricity network)", "dno"),
    ("GDN (gas network)", "gdn"),
    ("Supplier", "supplier"),
)

#: What an operator can compose (cancel has its own buttons; meter-only types are the meter's).
OPERATOR_TYPES = (
    "outage.planned",
    "outage.emergency",
    "outage.restored",
    "message.general",
    "gas.message",
    "gas.supply-disabled",
    "safety.alarm",
    "tariff.price",
    "power.threshold-set",
    "data.request",
)

_DISPLAY = {
    "outage.planned",
    "outage.emergency",
    "outage.restored",
    "message.general",
    "gas.message",
    "gas.supply-disabled",
    "safety.alarm",
}
_OUTAGE = {"outage.planned", "outage.emergency"}


@dataclass
class FormValues:
    """What the form holds (plain values, so building a request is testable without widgets).

    Times are in simulated minutes/hours from now, as a demonstrator thinks of them.
    """

    type_name: str = "message.general"
    text: str = ""
    importance: Importance = Importance.MEDIUM
    confirmation_required: bool = False
    start_in_min: int = 0
    duration_min: int = 0
    outage_in_h: float = 24.0
    outage_hours: float = 4.0
    threshold_kw: float = 6.0
    grace_s: int = 60
    price_pence_per_kwh: float = 0.0
    rate_label: str = ""
    standing_charge_pence_per_day: float = 0.0
    tariff_label: str = ""
    gas: bool = False
    periods: int = 48
    purpose: str = ""
    granularity: str = Granularity.HALF_HOURLY.value
    extra: dict[str, object] = field(default_factory=dict)


def build_request(values: FormValues, wall_after: Callable[[float], datetime]) -> MessageRequest:
    """The :class:`MessageRequest` the form says (validation is the composer's: it raises
    ``EncodeError`` with a sentence for a missing text or an empty tariff)."""
    kind = values.type_name
    fuel = Endpoint.GAS if values.gas or kind.startswith("gas.") else Endpoint.ELECTRICITY
    if kind in _DISPLAY:
        outage_start = outage_end = None
        if kind in _OUTAGE:
            outage_start = wall_after(values.outage_in_h * 3600)
            outage_end = outage_start + timedelta(hours=values.outage_hours)
        return MessageRequest(
            kind,
            text=values.text.strip(),
            importance=values.importance,
            confirmation_required=values.confirmation_required,
            start=wall_after(values.start_in_min * 60) if values.start_in_min else None,
            duration_minutes=values.duration_min or None,
            fuel=fuel,
            outage_start=outage_start,
            outage_end=outage_end,
        )
    if kind == "power.threshold-set":
        return MessageRequest(kind, threshold_kw=values.threshold_kw, grace_s=values.grace_s)
    if kind == "tariff.price":
        return MessageRequest(
            kind,
            fuel=fuel,
            price_pence_per_kwh=values.price_pence_per_kwh or None,
            rate_label=values.rate_label.strip(),
            standing_charge_pence_per_day=values.standing_charge_pence_per_day or None,
            tariff_label=values.tariff_label.strip(),
        )
    if kind == "data.request":
        details: dict[str, DetailValue] = {"granularity": values.granularity}
        if values.purpose:
            details["purpose"] = values.purpose
        return MessageRequest(kind, periods=values.periods, fuel=fuel, extra_details=details)
    return MessageRequest(kind, text=values.text.strip(), fuel=fuel)


class ComposeForm(QWidget):
    """Role, type and the type's fields.

    Args:
        policy: Which role may send which type (to mark the ones it may not).
        parent: Qt parent.
    """

    def __init__(self, policy: Policy, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._policy = policy
        form = QFormLayout(self)
        self._form = form
        self.role = QComboBox(self)
        self.role.setAccessibleName("Operator role to sign as")
        for label, role in ROLES:
            self.role.addItem(label, role)
        form.addRow("Sign as", self.role)
        self.kind = QComboBox(self)
        self.kind.setAccessibleName("Message type")
        for combo in (self.role, self.kind):
            # The longest entry must not set the form's width; the list opens wide enough.
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(16)
        form.addRow("Message", self.kind)
        self.text = QPlainTextEdit(self)
        self.text.setAccessibleName("Message text")
        self.text.setPlaceholderText("What the consumer reads on the IHD")
        self.text.setTabChangesFocus(True)
        self.text.setFixedHeight(64)
        form.addRow("Text", self.text)
        self.importance = QComboBox(self)
        self.importance.setAccessibleName("Importance")
        for level in Importance:
            self.importance.addItem(level.name.lower(), level)
        self.importance.setCurrentIndex(Importance.MEDIUM)
        form.addRow("Importance", self.importance)
        self.confirm = QCheckBox("The consumer must acknowledge it", self)
        form.addRow("", self.confirm)
        self.start_in = _spin(self, 0, 7 * 24 * 60, " min", "Starts in (minutes; 0: now)")
        form.addRow("Starts in", self.start_in)
        self.duration = _spin(self, 0, 65_534, " min", "Shown for (minutes; 0: until changed)")
        form.addRow("Shown for", self.duration)
        self.outage_in = _double(self, 0, 24 * 30, " h", "Power cut starts in (hours)", 24)
        form.addRow("Power cut in", self.outage_in)
        self.outage_hours = _double(self, 0.5, 72, " h", "Power cut lasts (hours)", 4)
        form.addRow("Lasting", self.outage_hours)
        self.threshold = _double(self, 0.5, 100, " kW", "Maximum power threshold (kW)", 6)
        form.addRow("Threshold", self.threshold)
        self.grace = _spin(self, 0, 3600, " s", "Grace period before interruption (seconds)")
        self.grace.setValue(60)
        form.addRow("Grace period", self.grace)
        self.price = _double(self, 0, 500, " p/kWh", "Unit rate (pence per kWh; 0: none)", 24.5)
        form.addRow("Unit rate", self.price)
        self.rate_label = QLineEdit("Standard", self)
        self.rate_label.setMaxLength(12)
        self.rate_label.setAccessibleName("Rate label")
        form.addRow("Rate label", self.rate_label)
        self.standing = _double(self, 0, 500, " p/day", "Standing charge (pence per day)", 0)
        form.addRow("Standing charge", self.standing)
        self.tariff_label = QLineEdit(self)
        self.tariff_label.setAccessibleName("Tariff name")
        form.addRow("Tariff name", self.tariff_label)
        self.gas = QCheckBox("Gas (not electricity)", self)
        form.addRow("Fuel", self.gas)
        self.periods = _spin(self, 1, 255, " half hours", "Half hours of data to request")
        self.periods.setValue(48)
        form.addRow("Data", self.periods)
        # What a data request is for and how finely: the meter answers only as consented.
        self.purpose = QComboBox(self)
        self.purpose.setAccessibleName("Purpose of the data request")
        form.addRow("Purpose", self.purpose)
        self.granularity = QComboBox(self)
        self.granularity.setAccessibleName("How finely the data is asked for")
        for granularity in reversed(Granularity):
            self.granularity.addItem(granularity.label, granularity.value)
        form.addRow("Granularity", self.granularity)
        self.role.currentIndexChanged.connect(self._fill_types)
        self.kind.currentIndexChanged.connect(self._show_fields)
        self._fill_types()

    def current_role(self) -> str:
        """The role chosen (``dno``, ``gdn`` or ``supplier``)."""
        return str(self.role.currentData())

    def choose(self, role: str, type_name: str) -> None:
        """Select ``role`` and ``type_name`` (tests, scenario shortcuts)."""
        self.role.setCurrentIndex(self.role.findData(role))
        self.kind.setCurrentIndex(self.kind.findData(type_name))

    def _fill_types(self) -> None:
        role = Role(self.current_role())
        self.purpose.clear()
        for purpose in PURPOSES:
            if purpose.party == role.value:
                self.purpose.addItem(purpose.name, purpose.name)
        chosen = self.kind.currentData()
        self.kind.blockSignals(True)
        self.kind.clear()
        for name in OPERATOR_TYPES:
            kind = message_type(name)
            title = kind.title if kind is not None else name
            allowed = self._policy.allows(role, name)
            suffix = "" if allowed else "  (not authorised: the meter refuses it)"
            self.kind.addItem(f"{title} · {name}{suffix}", name)
        index = self.kind.findData(chosen)
        self.kind.setCurrentIndex(max(index, 0))
        self.kind.blockSignals(False)
        self._show_fields()

    def _show_fields(self) -> None:
        kind = str(self.kind.currentData())
        display = kind in _DISPLAY
        visible = {
            self.text: display,
            self.importance: display,
            self.confirm: display,
            self.start_in: display,
            self.duration: display,
            self.outage_in: kind in _OUTAGE,
            self.outage_hours: kind in _OUTAGE,
            self.threshold: kind == "power.threshold-set",
            self.grace: kind == "power.threshold-set",
            self.price: kind == "tariff.price",
            self.rate_label: kind == "tariff.price",
            self.standing: kind == "tariff.price",
            self.tariff_label: kind == "tariff.price",
            self.gas: kind in ("tariff.price", "data.request"),
            self.periods: kind == "data.request",
            self.purpose: kind == "data.request" and self.purpose.count() > 0,
            self.granularity: kind == "data.request",
        }
        for widget, shown in visible.items():
            self._form.setRowVisible(widget, shown)

    def values(self) -> FormValues:
        """The form's values."""
        return FormValues(
            type_name=str(self.kind.currentData()),
            text=self.text.toPlainText(),
            importance=Importance(self.importance.currentData()),
            confirmation_required=self.confirm.isChecked(),
            start_in_min=self.start_in.value(),
            duration_min=self.duration.value(),
            outage_in_h=self.outage_in.value(),
            outage_hours=self.outage_hours.value(),
            threshold_kw=self.threshold.value(),
            grace_s=self.grace.value(),
            price_pence_per_kwh=self.price.value(),
            rate_label=self.rate_label.text(),
            standing_charge_pence_per_day=self.standing.value(),
            tariff_label=self.tariff_label.text(),
            gas=self.gas.isChecked(),
            periods=self.periods.value(),
            purpose=str(self.purpose.currentData() or ""),
            granularity=str(self.granularity.currentData()),
        )


def _spin(parent: QWidget, low: int, high: int, suffix: str, name: str) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setRange(low, high)
    spin.setSuffix(suffix)
    spin.setAccessibleName(name)
    return spin


def _double(
    parent: QWidget, low: float, high: float, suffix: str, name: str, value: float
) -> QDoubleSpinBox:
    spin = QDoubleSpinBox(parent)
    spin.setRange(low, high)
    spin.setDecimals(2)
    spin.setSuffix(suffix)
    spin.setAccessibleName(name)
    spin.setValue(value)
    return spin
