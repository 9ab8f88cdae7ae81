"""No word is cut on the display during a remote disconnection: the meter's own notices (what
:class:`~meter_emulator.behaviour.remote_supply.RemoteSupply` sends, with the longest reason a
notice quotes) taking over the screen at 480x272, 800x480 and 1280x800, in every theme."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ihd_app.core.model import Importance
from ihd_app.protocol.compose import MessageRequest
from ihd_app.ui.capture import settle
from ihd_app.ui.settings import UiSettings
from ihd_app.ui.theme import ThemeName
from tests.meter_behaviour.test_remote_supply import Meter
from tests.ui.clipping import clipped_text
from tests.ui.fake.demo_data import DEMO_NOW, METER, message
from tests.ui.fakes import make_service

SIZES = [(480, 272), (800, 480), (1280, 800)]


def _notices(tmp_path: Path) -> list[MessageRequest]:
    """What the meter sends the display for a disconnection, its enabling and a safety clear,
    the reason as long as a notice quotes it."""
    meter = Meter(tmp_path)
    remote = meter.behaviour.remote
    remote.disconnect("dno", "Northern Power Distribution", "a dangerous condition " * 20)
    remote.arm("dno", "Northern Power Distribution")
    meter.behaviour.safety_alarm("The meter's terminal cover was removed.")
    remote.clear_safety("dno", "Northern Power Distribution")
    return [r for r in meter.sent if r.type_name in ("supply.interrupted", "supply.armed")]


@pytest.mark.parametrize("theme", list(ThemeName), ids=lambda t: t.value)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_disconnection_notices_take_over_without_a_cut_word(
    qtbot: Any, open_window: Any, tmp_path: Path, size: tuple[int, int], theme: ThemeName
) -> None:
    service, meter, clock = make_service(demo=False)
    window = open_window(service, clock, UiSettings(theme=theme), form_factor=size)
    notices = _notices(tmp_path)
    assert [n.type_name for n in notices] == ["supply.interrupted", "supply.armed", "supply.armed"]
    for number, notice in enumerate(notices):
        meter.inject_message(
            message(
                f"d15c0{number}",
                notice.type_name,
                notice.text,
                importance=Importance[notice.importance.name],
                originator=METER,
                received=DEMO_NOW,
                confirm=notice.confirmation_required,
                message_id=notice.message_id,
            )
        )
        settle()
        assert window.takeover.isVisible()
        assert window.takeover.body.text() == notice.text
        assert clipped_text(window.screen_area) == [], notice.text
        window.takeover.acknowledge.click()
        settle()
