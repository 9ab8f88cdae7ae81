"""No word is cut: every screen at 480x272, 800x480 and 1280x800, in every theme.

The checker is :mod:`tests.ui.clipping`.

Two households: the demo one (paired, a gas supply turned off, messages, refusals, tariffs,
a backfill under way, meters found by a scan) and a display that has heard nothing yet (no
meter, no tariff, no history), whose waiting texts are the longest one-liners.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from ihd_app.core.readings import Fuel, Reading
from ihd_app.protocol.zcl import SupplyStatus
from ihd_app.service.api import BackfillProgress, ConnectionProblem, ProblemKind, UsageRange
from ihd_app.service.connection import REFUSED_ADVICE
from ihd_app.ui.capture import settle
from ihd_app.ui.main_window import MainWindow
from ihd_app.ui.models.security_log import Column
from ihd_app.ui.screens.developer.screen import DeveloperScreen
from ihd_app.ui.screens.home import HomeScreen
from ihd_app.ui.screens.messages import MessagesScreen
from ihd_app.ui.screens.meter import MeterScreen
from ihd_app.ui.screens.privacy import PrivacyScreen
from ihd_app.ui.screens.security_log import SecurityLogScreen
from ihd_app.ui.screens.settings import SettingsScreen
from ihd_app.ui.screens.tariff import TariffScreen
from ihd_app.ui.screens.usage import UsageScreen
from ihd_app.ui.settings import UiSettings, Unit
from ihd_app.ui.theme import ThemeName
from tests.core.tou_sample import flex_calendar
from tests.ui.clipping import cell_fits, clipped_text
from tests.ui.fake.demo_data import demo_messages
from tests.ui.fakes import MeterSide, make_service

CRITICAL = "a1f3c9e2"
SIZES = [(480, 272), (800, 480), (1280, 800)]


def _views(window: MainWindow, meter: MeterSide) -> list[tuple[str, Callable[[], Any]]]:
    """Each view of each screen: its name and how to show it."""

    def messages(past: bool) -> Callable[[], Any]:
        def show() -> None:
            screen = window.show_kind(MessagesScreen)
            assert isinstance(screen, MessagesScreen)
            (screen.past_button if past else screen.current_button).click()

        return show

    def message(row: int) -> Callable[[], Any]:
        def show() -> None:
            screen = window.show_kind(MessagesScreen)
            assert isinstance(screen, MessagesScreen)
            screen.current_button.click()
            screen.list.setCurrentIndex(screen.model.index(row, 0))

        return show

    def usage(span: UsageRange, unit: Unit, compare: bool) -> Callable[[], Any]:
        def show() -> None:
            screen = window.show_kind(UsageScreen)
            assert isinstance(screen, UsageScreen)
            screen.set_span(span)
            screen.set_unit(unit)
            screen.set_compare(compare)

        return show

    def supply(status: SupplyStatus, kwh: float) -> Callable[[], Any]:
        def show() -> None:
            window.show_kind(HomeScreen)
            now = window.context.clock()
            for fuel in Fuel:
                meter.inject_reading(Reading(fuel, now, 0.0, 18_442_180.0, status))
            home = window.screen_of(HomeScreen)
            assert isinstance(home, HomeScreen)
            for tile in home.tiles.values():
                tile.set_today(kwh, kwh * 0.3)

        return show

    def notice() -> None:
        window.show_kind(HomeScreen)
        window.notice.show_notice(
            "Pairing with IHD Demo Meter 019E failed: pairing was refused (No was answered, or "
            "the numbers did not match). Nothing was stored: press Pair to try again."
        )

    def scanned() -> None:
        screen = window.show_kind(MeterScreen)
        assert isinstance(screen, MeterScreen)
        screen.show_results(meter.scan_results)

    def backfilling() -> None:
        window.show_kind(MeterScreen)
        meter.set_backfill(BackfillProgress(7_431, 19_032, True))

    def developer(tab: int) -> Callable[[], Any]:
        def show() -> None:
            screen = window.show_kind(DeveloperScreen)
            assert isinstance(screen, DeveloperScreen)
            screen.tabs.setCurrentIndex(tab)

        return show

    def calendar() -> None:
        # A time-of-use calendar with seasons, a special day and block thresholds.
        meter.set_tou_calendar(Fuel.ELECTRICITY, flex_calendar())
        window.show_kind(TariffScreen)

    inbox = window.messages_screen.inbox_model.rowCount()
    views: list[tuple[str, Callable[[], Any]]] = [
        ("home", lambda: window.show_kind(HomeScreen)),
        ("home-supply-off", supply(SupplyStatus.OFF, 0.0)),
        ("home-supply-armed", supply(SupplyStatus.ARMED, 123.4)),
        ("home-notice", notice),
        # As first opened, before any choice in it.
        ("messages-opened", lambda: window.show_kind(MessagesScreen)),
        ("messages", messages(past=False)),
        ("messages-past", messages(past=True)),
        *((f"message-{row}", message(row)) for row in range(inbox)),
        ("usage-live", usage(UsageRange.LIVE, Unit.KWH, False)),
        ("usage-live-cost", usage(UsageRange.LIVE, Unit.POUNDS, False)),
        ("usage-day-compare", usage(UsageRange.DAY, Unit.KWH, True)),
        ("usage-week-cost-compare", usage(UsageRange.WEEK, Unit.POUNDS, True)),
        ("usage-year", usage(UsageRange.YEAR, Unit.KWH, True)),
        ("tariff", lambda: window.show_kind(TariffScreen)),
        ("tariff-calendar", calendar),
        ("meter", lambda: window.show_kind(MeterScreen)),
        ("meter-scan", scanned),
        ("meter-backfill", backfilling),
        ("security", lambda: window.show_kind(SecurityLogScreen)),
        ("privacy", lambda: window.show_kind(PrivacyScreen)),
        ("settings", lambda: window.show_kind(SettingsScreen)),
    ]
    developer_screen = window.screen_of(DeveloperScreen)
    assert isinstance(developer_screen, DeveloperScreen)
    views += [(f"developer-{n}", developer(n)) for n in range(developer_screen.tabs.count())]

    def takeover() -> None:
        (critical,) = (m for m in demo_messages(window.context.clock()) if m.key == CRITICAL)
        meter.inject_message(critical)

    def problem(kind: ProblemKind, detail: str) -> Callable[[], Any]:
        def show() -> None:
            window.show_kind(HomeScreen)
            meter.set_problem(ConnectionProblem(kind, detail))

        return show

    views += [
        (
            "home-waiting-for-the-radio",
            problem(
                ProblemKind.RADIO_UNAVAILABLE,
                "no virtual radio on port 61234 yet: start the meter emulator first",
            ),
        ),
        (
            "home-pairing-refused",
            problem(ProblemKind.PAIRING_REFUSED, REFUSED_ADVICE),
        ),
    ]
    # Last: it covers the screens until acknowledged.
    views.append(("takeover", takeover))
    return views


@pytest.mark.parametrize("theme", list(ThemeName), ids=lambda t: t.value)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("household", ["demo", "new"])
def test_no_text_is_clipped_on_any_screen(
    qtbot: Any, open_window: Any, size: tuple[int, int], theme: ThemeName, household: str
) -> None:
    service, meter, clock = make_service(exclude=[CRITICAL], demo=household == "demo")
    settings = UiSettings(theme=theme, developer=True)
    window = open_window(service, clock, settings, form_factor=size)
    assert window.screen_area.size().toTuple() == size
    problems: dict[str, list[str]] = {}
    for name, show in _views(window, meter):
        show()
        # Laid out and polished as the consumer would see it: nested layouts settle one
        # level per pass of the event loop (no wall-clock wait involved).
        settle()
        for problem in clipped_text(window.screen_area):
            problems.setdefault(problem, []).append(name)
    assert window.takeover.isVisible(), "the last view is the takeover"
    report = [f"{problem} (on {', '.join(views)})" for problem, views in problems.items()]
    assert report == [], "\n".join(report)


def test_the_security_log_says_what_each_refusal_means_in_full(
    qtbot: Any, open_window: Any
) -> None:
    # The display as the right half of a 1920x1080 projector (below its title bar).
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, size=(960, 1040))
    screen = window.show_kind(SecurityLogScreen)
    assert isinstance(screen, SecurityLogScreen)
    settle()
    table, model = screen.table, screen.model
    assert model.rowCount() >= 3
    rows = [row for row in range(model.rowCount()) if table.rowViewportPosition(row) >= 0]
    # Wrapped in the table itself, not only in a tooltip.
    cut = [
        model.data(model.index(row, Column.EXPLANATION))
        for row in rows
        if not cell_fits(table, row, Column.EXPLANATION)
    ]
    assert cut == []
    assert clipped_text(window.screen_area) == []


def test_shorter_words_on_a_small_panel_keep_the_whole_text(qtbot: Any, open_window: Any) -> None:
    service, _meter, clock = make_service(exclude=[CRITICAL])
    window = open_window(service, clock, form_factor=(480, 272))
    home = window.screen_of(HomeScreen)
    assert isinstance(home, HomeScreen)
    full = "Paired · encrypted · authenticated (LE Secure Connections)"
    assert home.badge.text() == "✔ Paired · encrypted · authenticated"
    assert (home.badge.toolTip(), home.badge.accessibleName()) == (full, full)
    gas = home.tiles[Fuel.GAS].supply  # the gas network turned the supply off
    assert gas.isVisible()
    assert (gas.text(), gas.toolTip(), gas.accessibleName()) == ("OFF", "Supply OFF", "Supply OFF")
    # At 800x480 there is room for every word.
    window.set_form_factor((800, 480))
    qtbot.waitUntil(lambda: not window.theme.sizes.compact)
    assert home.badge.text() == f"✔ {full}"
    assert gas.text() == "Supply OFF"
