"""The emulator's window read from the back of a room: every word of the attack console shown
(wrapped, never cut or scrolled away), a presentation size for every font, the meter panel
moving into a tab where the window is too narrow, and the dial's caption inside the dial."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QFont, QFontMetrics, QFontMetricsF, QTextDocument
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QLabel, QPushButton, QStyle, QTableView

from ihd_app.protocol.pki import load_identity
from ihd_app.protocol.resources import demo_pki_dir
from meter_emulator.attacks.console import AttackRecord
from meter_emulator.attacks.link_demonstrations import DEMONSTRATIONS
from meter_emulator.cli.main import build_parser
from meter_emulator.ui.style import PRESENTATION_ZOOM, presentation_zoom
from meter_emulator.ui.widgets.demand_gauge import DemandGauge
from tests.ui.meter.conftest import MeterDesk

NOW = datetime(2026, 11, 22, 8, 20, tzinfo=UTC)
#: Half of a 1920x1080 and of a 1280x720 projector, less a window manager's title bar.
HALVES = ((960, 1040), (640, 680))


def test_presentation_size_is_the_same_on_the_wall_at_any_resolution() -> None:
    assert presentation_zoom(1080) == PRESENTATION_ZOOM == 1.5
    assert presentation_zoom(720) == 1.0
    assert presentation_zoom(1200) == 1.75
    assert presentation_zoom(2160) == 2.0  # the largest step


def _records() -> list[AttackRecord]:
    """Rows with the longest reason codes, one refused for the wrong reason."""
    rows = [
        AttackRecord(name, name, frozenset({name}), NOW, reason=name)
        for name in ("role-not-authorised", "unsupported-version", "unknown-command", "oversize")
    ]
    rows.append(
        AttackRecord(
            "unsupported-version",
            "unsupported-version",
            frozenset({"w"}),
            NOW,
            reason="role-not-authorised",
        )
    )
    return rows


def _unshown_words(table: QTableView) -> list[str]:
    """Every cell text (and header) a reader cannot read whole: sideways out of view, a word
    wider than its column, or wrapped text taller than its row."""
    model = table.model()
    header = table.horizontalHeader()
    problems = []
    if header.length() > table.viewport().width():
        problems.append(f"columns {header.length()} px wide in {table.viewport().width()} px")
    metrics = QFontMetrics(table.font())
    # The room Qt's item delegate leaves either side of a cell's text.
    margin = table.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, table) + 1
    for column in range(model.columnCount()):
        room = header.sectionSize(column) - 2 * margin
        texts = [str(model.headerData(column, Qt.Orientation.Horizontal))]
        texts += [str(model.index(row, column).data()) for row in range(model.rowCount())]
        for row, text in enumerate(texts, start=-1):
            # Qt wraps at spaces and after hyphens.
            for word in re.findall(r"[^\s-]+-?", text):
                if metrics.horizontalAdvance(word) > room:
                    problems.append(f"'{word}' of '{text}' wider than its column ({room} px)")
            if row < 0:
                continue
            needed = metrics.boundingRect(
                QRect(0, 0, room, 100_000), Qt.TextFlag.TextWordWrap, text
            ).height()
            if needed > table.rowHeight(row):
                problems.append(f"'{text}' needs {needed} px, its row is {table.rowHeight(row)}")
    return problems


@pytest.mark.parametrize(
    ("size", "zoom"),
    [
        (HALVES[0], 1.0),
        (HALVES[0], presentation_zoom(1080)),
        (HALVES[1], 1.0),
        (HALVES[1], presentation_zoom(720)),
    ],
)
def test_every_word_of_the_attack_console_is_shown_at_projector_sizes(
    qtbot: Any, desk: MeterDesk, size: tuple[int, int], zoom: float
) -> None:
    window = desk.window
    window.set_zoom(zoom)
    window.show_console(window.attacks)
    window.attacks.model.show_records(_records())
    table = window.attacks.table
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().toTuple() == size)
    qtbot.waitUntil(lambda: not _unshown_words(table))
    assert table.horizontalScrollBar().maximum() == 0
    # The verdicts keep room for several rows however tall the buttons are.
    qtbot.waitUntil(lambda: table.height() >= 0.4 * window.attacks.height())
    assert "refused, but with 'role-not-authorised' instead of 'unsupported-version'" in [
        window.attacks.model.cell(row, 4) for row in range(5)
    ]


def test_presentation_size_enlarges_every_font_and_gives_the_consoles_the_width(
    qtbot: Any, desk: MeterDesk
) -> None:
    window = desk.window
    window.resize(*HALVES[0])
    qtbot.waitUntil(lambda: window.width() == HALVES[0][0])
    normal = window.attacks.table.font().pointSizeF()
    assert not window.meter_in_tabs  # the meter beside the consoles at the normal size
    window.presentation_action.trigger()
    assert window.zoom == window.presentation_zoom() > 1.0
    assert window.attacks.table.font().pointSizeF() == pytest.approx(normal * window.zoom, rel=0.01)
    assert window.radio.font().pointSizeF() == pytest.approx(normal * window.zoom, rel=0.01)
    window.set_zoom(PRESENTATION_ZOOM)  # as on a 1920x1080 projector
    # Too narrow for both at that size: the meter is a tab, the consoles have the width.
    assert window.meter_in_tabs
    window.show_console(window.meter)
    assert window.tabs.currentWidget() is window.meter_area
    QTest.keyClick(window, Qt.Key.Key_0, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom == 1.0
    assert not window.presentation_action.isChecked()
    assert not window.meter_in_tabs
    QTest.keyClick(window, Qt.Key.Key_Equal, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom > 1.0
    QTest.keyClick(window, Qt.Key.Key_Minus, Qt.KeyboardModifier.ControlModifier)
    assert window.zoom == 1.0
    # Half of a 1280x720 projector is too narrow for both even at the normal size.
    window.resize(*HALVES[1])
    qtbot.waitUntil(lambda: window.width() == HALVES[1][0])
    assert window.meter_in_tabs
    assert set(window.consoles().values()) == {
        window.operator,
        window.attacks,
        window.scenarios,
        window.devices,
        window.log,
        window.network_data,
        window.inbox,
        window.prepayment,
    }


def _clipped_words(label: QLabel) -> list[str]:
    """The words of ``label`` wider than it (a wrapped label cannot break inside a word)."""
    document = QTextDocument()
    document.setHtml(label.text())
    metrics = QFontMetrics(label.font())
    room = label.contentsRect().width()
    return [w for w in document.toPlainText().split() if metrics.horizontalAdvance(w) > room]


@pytest.mark.parametrize(
    ("size", "zoom"), [(HALVES[0], presentation_zoom(1080)), (HALVES[1], presentation_zoom(720))]
)
def test_the_radio_strip_shows_the_address_and_the_pairing_question_whole(
    qtbot: Any, desk: MeterDesk, size: tuple[int, int], zoom: float
) -> None:
    window = desk.window
    window.set_zoom(zoom)
    window.resize(*size)
    radio = window.radio
    radio.state.setText(
        "IHD <b>C0:1D:A6:00:01:01</b> connected · not encrypted yet · not subscribed yet"
    )
    window.questions.asked.emit(32016, False)  # as the meter's pairing asks
    qtbot.waitUntil(radio.same.isVisible)
    qtbot.waitUntil(lambda: not _clipped_words(radio.state) and not _clipped_words(radio.pairing))
    assert "032 016" in radio.pairing.text()


def test_zoom_and_presentation_are_options_of_the_emulator() -> None:
    assert build_parser().parse_args(["--presentation"]).presentation
    assert build_parser().parse_args(["--zoom", "1.3"]).zoom == 1.3
    assert build_parser().parse_args([]).zoom == 1.0
    for wrong in (["--zoom", "3"], ["--zoom", "big"], ["--zoom", "1.3", "--presentation"]):
        with pytest.raises(SystemExit):
            build_parser().parse_args(wrong)


@pytest.mark.parametrize("points", [10.5, 10.5 * PRESENTATION_ZOOM])
@pytest.mark.parametrize(
    ("demand", "threshold", "supply_on"),
    [(0.0, 6.0, False), (7.25, 6.0, True), (-1.5, 12.5, True), (2.0, None, True)],
)
def test_the_dial_caption_fits_inside_the_dial(
    qtbot: Any, points: float, demand: float, threshold: float | None, supply_on: bool
) -> None:
    gauge = DemandGauge()
    qtbot.addWidget(gauge)
    font = QFont(gauge.font())
    font.setPointSizeF(points)
    gauge.setFont(font)
    gauge.set_values(demand, threshold, supply_on)
    for size in (gauge.minimumSizeHint(), gauge.sizeHint(), gauge.sizeHint() * 1.8):
        gauge.resize(size)
        caption_font, lines = gauge.caption_layout()
        metrics = QFontMetricsF(caption_font)
        shown = " ".join(line for line, _box in lines)
        for part in gauge.caption_parts():
            assert part in shown
        for line, box in lines:
            assert metrics.horizontalAdvance(line) <= box.width(), (line, size)
            assert QRectF(gauge.contentsRect()).contains(box), (line, box, size)
    if not supply_on:
        assert "supply interrupted" in gauge.caption_parts()


def _cut_buttons(buttons: list[QPushButton]) -> list[str]:
    """Buttons whose words do not fit inside them."""
    cut = []
    for button in buttons:
        metrics = QFontMetrics(button.font())
        if (
            metrics.horizontalAdvance(button.text().replace("&", ""))
            > button.contentsRect().width()
        ):
            cut.append(button.text())
    return cut


@pytest.mark.parametrize(
    ("size", "zoom"),
    [
        (HALVES[0], 1.0),
        (HALVES[0], presentation_zoom(1080)),
        (HALVES[1], 1.0),
        (HALVES[1], presentation_zoom(720)),
    ],
)
def test_the_device_log_and_the_link_demonstrations_are_shown_whole_at_projector_sizes(
    qtbot: Any, desk: MeterDesk, size: tuple[int, int], zoom: float
) -> None:
    window = desk.window
    window.set_zoom(zoom)
    window.resize(*size)
    qtbot.waitUntil(lambda: window.size().toTuple() == size)
    meter = desk.meter
    second = load_identity(demo_pki_dir(), "ihd-2")
    meter.han.commission(second.entity_id, second.kid.hex(), "Brightwater Energy Supply")
    panel = window.devices
    panel.refresh()
    panel.result.setText(
        f"Adding {second.entity_id}: display {second.entity_id} added to the device log"
    )
    window.show_console(panel)
    assert panel.model.rowCount() == 2
    qtbot.waitUntil(lambda: not _unshown_words(panel.table))
    assert panel.table.horizontalScrollBar().maximum() == 0
    qtbot.waitUntil(lambda: not _clipped_words(panel.result))
    assert not _cut_buttons([panel.add, panel.remove])

    attacks = window.attacks
    window.show_console(attacks)
    qtbot.waitUntil(attacks.restore.isVisible)
    assert not _cut_buttons([*attacks.demonstration_buttons.values(), attacks.restore])
    longest = max(DEMONSTRATIONS, key=lambda d: len(d.explanation))
    attacks.demonstration.setText(f"{longest.title}: {longest.explanation}")
    attacks.demonstration.show()
    qtbot.waitUntil(lambda: not _clipped_words(attacks.demonstration))
