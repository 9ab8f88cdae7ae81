"""Clock skew between the meter and the display (one process, the display's clock injected).

Envelopes carry ``nbf`` and ``exp``; the verifier allows :data:`DEFAULT_CLOCK_SKEW_S` either way.
A display whose clock is a little off accepts what the meter forwards; one whose clock is far
off goes by the meter's time, proven in the link's handshake (:mod:`ihd_app.service.meter_time`),
so it still accepts genuine messages and the meter accepts its replies.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.verification import DEFAULT_CLOCK_SKEW_S
from ihd_app.protocol.zcl import Importance
from tests.fault.support import connect_ihd
from tests.meter_behaviour.support import start_stack


def _outage(message_id: int) -> MessageRequest:
    return MessageRequest(
        "outage.planned",
        message_id=message_id,
        text="Planned power cut",
        importance=Importance.HIGH,
        confirmation_required=True,
    )


@pytest.mark.parametrize(
    "skew",
    [
        timedelta(seconds=-(DEFAULT_CLOCK_SKEW_S - 15)),  # the display is behind the meter
        timedelta(seconds=DEFAULT_CLOCK_SKEW_S - 15),  # ahead
    ],
)
async def test_small_skew_is_tolerated(tmp_path: Path, skew: timedelta) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    ihd = None
    try:
        ihd, events = await connect_ihd(
            stack.port, tmp_path / "ihd", clock=lambda: datetime.now(UTC) + skew, auto_ack=True
        )
        record = stack.meter.operator.send("dno", _outage(400))
        accepted = await events.wait("message.accepted")
        assert accepted["id"] == 400
        await stack.meter_events.wait("ack.received", refers_to=record.key)
        assert not events.named("message.rejected")
        assert not stack.meter_events.named("ihd.rejected")
    finally:
        if ihd is not None:
            await ihd.close()
        await stack.close()


@pytest.mark.parametrize(
    "skew",
    [
        timedelta(minutes=-10),  # a dev board whose clock is slow
        timedelta(hours=25),  # beyond the 24 hours an operator's message is valid for
    ],
    ids=["10-minutes-behind", "25-hours-ahead"],
)
async def test_a_display_far_off_goes_by_the_meters_proven_time_and_says_so(
    tmp_path: Path, skew: timedelta
) -> None:
    """Issue K item 5: the meter's time, signed in its handshake proof, corrects the display's
    clock; genuine messages are accepted, the display's replies (dated by the meter's time) are
    accepted by the meter, and the display says its own clock was off."""
    stack = await start_stack(tmp_path, with_ihd=False)
    ihd = None
    try:
        ihd, events = await connect_ihd(
            stack.port,
            tmp_path / "ihd",
            clock=lambda: datetime.now(UTC) + skew,
            auto_ack=True,
        )
        corrected = events.named("clock.from-meter")
        assert corrected, "the correction is made in the handshake, before anything is used"
        assert corrected[-1]["corrected"] is True
        assert abs(corrected[-1]["offset_s"] + skew.total_seconds()) <= 2
        own_clock = "behind" if skew < timedelta(0) else "ahead"
        assert "own clock is" in corrected[-1]["detail"]
        assert corrected[-1]["detail"].endswith(f"{own_clock}.")
        assert ihd.clock_correction_s is not None

        record = stack.meter.operator.send("dno", _outage(401))
        accepted = await events.wait("message.accepted")
        assert accepted["id"] == 401
        await stack.meter_events.wait("ack.received", refers_to=record.key)
        assert not events.named("message.rejected")
        assert not stack.meter_events.named("ihd.rejected")
    finally:
        if ihd is not None:
            await ihd.close()
        await stack.close()
