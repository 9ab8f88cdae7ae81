"""The operator console's table: every message sent through the meter and how far it got.

The seed's "delivery receipt and message displayed" flow, one row per message: forwarded,
received, displayed, acknowledged (with time and answer), or rejected by the IHD / refused by
the meter with the reason code. With several displays, how far it got on each:
``IHD 00-…-01-01: acknowledged 10:00:03 (yes); IHD 00-…-01-02: received 10:00:02``.
"""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import QObject

from meter_emulator.operator.display_status import DisplayDelivery, DisplayStep, short_id
from meter_emulator.operator.status import DeliveryStatus, MessageRecord
from meter_emulator.ui.models.table import Column, RecordTableModel

_GOOD = {DeliveryStatus.ACKNOWLEDGED, DeliveryStatus.DISPLAYED, DeliveryStatus.CARRIED_OUT}
_BAD = {DeliveryStatus.REJECTED, DeliveryStatus.REFUSED, DeliveryStatus.DECLINED}
_MUTED = {DeliveryStatus.CANCELLED, DeliveryStatus.SUPERSEDED}


def _clock(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone().strftime("%H:%M:%S")


def _answer(answer: bool | None) -> str:
    return {True: " (yes)", False: " (no)"}.get(answer, "")  # type: ignore[arg-type]


def on_display(display: DisplayDelivery) -> str:
    """How far the message got on one display: ``IHD 00-…-01-02: received 10:00:02``."""
    step = display.step
    moment = {
        DisplayStep.FORWARDED: display.forwarded_at,
        DisplayStep.RECEIVED: display.receipt_at,
        DisplayStep.DISPLAYED: display.displayed_at,
        DisplayStep.ACKNOWLEDGED: display.acknowledged_at,
    }.get(step)
    said = f"{step.value} {_clock(moment)}".rstrip()
    if step is DisplayStep.ACKNOWLEDGED:
        said += _answer(display.acknowledged_answer)
    elif step is DisplayStep.REJECTED:
        said += f": {display.rejected_reason}"
    return f"IHD {short_id(display.ihd_id)}: {said}"


def progress(record: MessageRecord) -> str:
    """Each step the message reached, with its time: ``forwarded 10:00:01 · received ...``;
    with several displays, the furthest step on each (:func:`on_display`)."""
    if len(record.displays) > 1:
        return "; ".join(on_display(d) for _, d in sorted(record.displays.items()))
    steps = [
        ("queued", record.queued_at),
        ("forwarded", record.forwarded_at),
        ("received", record.receipt_at),
        ("displayed", record.displayed_at),
    ]
    reached = [f"{name} {_clock(at)}" for name, at in steps if at is not None]
    if record.acknowledged_at is not None:
        answer = _answer(record.acknowledged_answer)
        reached.append(f"acknowledged {_clock(record.acknowledged_at)}{answer}")
    return " · ".join(reached)


def outcome(record: MessageRecord) -> str:
    """The final word on the message in a sentence (reasons for refusals), else its progress."""
    status = record.status
    if status is DeliveryStatus.REFUSED:
        return f"refused by the meter: {record.refused_reason}: {record.refused_detail}"
    if status is DeliveryStatus.REJECTED:
        when = f" at {record.rejected_at}" if record.rejected_at else ""
        return f"rejected by the IHD{when}: {record.rejected_reason}: {record.rejected_detail}"
    if status in (DeliveryStatus.CARRIED_OUT, DeliveryStatus.DECLINED):
        return record.outcome or status.value
    if status is DeliveryStatus.SUPERSEDED:
        return f"replaced by {record.superseded_by}"
    if status is DeliveryStatus.CANCELLED:
        return f"cancelled {_clock(record.cancelled_at)}"
    if record.type == "demand.event":
        # A flexibility event: what the meter controls, and the display's last status.
        parts = (progress(record), record.outcome, record.event_status)
        return " · ".join(part for part in parts if part)
    return progress(record)


def tone(record: MessageRecord) -> str | None:
    """How the status cell is coloured."""
    status = record.status
    if status in _GOOD:
        return "good"
    if status in _BAD:
        return "bad"
    if status in _MUTED:
        return "muted"
    return None


COLUMNS: tuple[Column[MessageRecord], ...] = (
    Column("Sent", lambda r: _clock(r.created_at)),
    Column("From", lambda r: r.role.upper() if r.role in ("dno", "gdn") else r.role),
    Column("Type", lambda r: r.type),
    Column("Status", lambda r: r.status.value, tone=tone),
    Column("Progress / reason", outcome, tone=tone),
    Column("Text", lambda r: r.text),
)
#: Columns that take the width they need; the others share what is left.
FITTED = (0, 1, 2, 3)


class MessageStatusModel(RecordTableModel[MessageRecord]):
    """The runtime's status table, newest first.

    Args:
        parent: Qt parent.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(COLUMNS, parent)

    def show_records(self, records: list[MessageRecord]) -> None:
        """Show ``records`` (the runtime's status rows), newest first."""
        self.set_rows(sorted(records, key=lambda r: r.created_at, reverse=True))

    def key_of(self, row: int) -> str | None:
        """The message key of ``row`` (for cancel and supersede)."""
        record = self.row(row)
        return None if record is None else record.key
