"""Clock skew between the meter and the display (one process, the display's clock injected).

Envelopes carry ``nbf`` and ``exp``; the verifier allows :data:`DEFAULT_CLOCK_SKEW_S` either way.
A display whose clock is a little off accepts what the meter forwards; one whose clock is far
off refuses it with a reason that says which way (``not-yet-valid``, ``expired``), logs it, and
tells the originator; the meter in turn refuses the display's replies that are not valid yet by
its own clock.
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


async def test_display_far_behind_refuses_as_not_yet_valid_and_says_so(tmp_path: Path) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    ihd = None
    try:
        ihd, events = await connect_ihd(
            stack.port, tmp_path / "ihd", clock=lambda: datetime.now(UTC) - timedelta(minutes=10)
        )
        record = stack.meter.operator.send("dno", _outage(401))
        rejected = await events.wait("message.rejected")
        assert rejected["reason"] == "not-yet-valid"
        assert "valid from" in rejected["detail"]
        assert [e.reason for e in ihd.security_log()] == ["not-yet-valid"]
        assert not ihd.current_messages()
        # The display's error notification is dated by its own (slow) clock: already valid
        # for the meter, which records why its message was refused.
        error = await stack.meter_events.wait("error.received", refers_to=record.key)
        assert error["details"]["reason"] == "not-yet-valid"
    finally:
        if ihd is not None:
            await ihd.close()
        await stack.close()


async def test_display_far_ahead_refuses_as_expired_and_the_meter_refuses_its_replies(
    tmp_path: Path,
) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    ihd = None
    try:
        ihd, events = await connect_ihd(
            stack.port, tmp_path / "ihd", clock=lambda: datetime.now(UTC) + timedelta(hours=25)
        )
        stack.meter.operator.send("dno", _outage(402))  # valid for 24 hours
        rejected = await events.wait("message.rejected")
        assert rejected["reason"] == "expired"
        assert "expired at" in rejected["detail"]
        assert not ihd.current_messages()
        # Its error notification is dated 25 hours ahead: the meter refuses it in turn.
        refused = await stack.meter_events.wait("ihd.rejected")
        assert refused["reason"] == "not-yet-valid"
        assert not stack.meter_events.named("error.received")
    finally:
        if ihd is not None:
            await ihd.close()
        await stack.close()
