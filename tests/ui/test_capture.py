"""``--screenshot-dir`` pictures each screen as the consumer sees it: a message taking over the
window is pictured once, and each screen as it looks once that message is acknowledged."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ihd_app.ui.capture import capture_screens_live
from tests.ui.fakes import make_service


def test_a_takeover_is_pictured_once_and_each_screen_as_itself(
    qtbot: Any, open_window: Any, run: Callable[..., Any], tmp_path: Path
) -> None:
    service, _meter, clock = make_service()  # the critical gas message takes over
    window = open_window(service, clock)
    qtbot.waitUntil(window.takeover.isVisible)
    paths = run(capture_screens_live(window, tmp_path, "ihd"), timeout_ms=30_000)
    screens = [p for p in paths if p.stem != "ihd-takeover"]
    assert [p.stem for p in paths if p not in screens] == ["ihd-takeover"]
    assert {p.stem for p in screens} >= {"ihd-home", "ihd-messages", "ihd-security"}
    pictures = [p.read_bytes() for p in paths]
    # Every picture is of something else: no screen hidden under the takeover.
    assert len(set(pictures)) == len(pictures)
    # Pictured, the message is still there to acknowledge.
    assert window.takeover.isVisible()
    assert window.takeover.message is not None
