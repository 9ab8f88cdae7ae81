"""Messages and their replies arriving in the middle of a history backfill (one process).

Replies owed to originators overtake the backfill's requests in the display's outbox; every
envelope of the display carries a counter the meter checks for replays, so an overtaken request
must still be accepted, and the backfill must end complete.
"""

from __future__ import annotations

from pathlib import Path

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.zcl import Importance
from tests.fault.support import connect_ihd
from tests.meter_behaviour.support import start_stack


async def test_messages_during_a_backfill_delay_nothing_and_lose_nothing(tmp_path: Path) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    ihd = None
    try:
        ihd, ihd_events = await connect_ihd(
            stack.port, tmp_path / "ihd", backfill=True, auto_ack=True
        )
        await ihd_events.wait("history.progress", done=0)
        sent = []
        # About 20 progress events in all (one per commit of eight responses): three messages
        # spread over the first two thirds of the backfill.
        for n in range(3):
            await ihd_events.wait_count("history.progress", 2 + 5 * n, timeout=20)
            sent.append(
                stack.meter.operator.send(
                    "dno",
                    MessageRequest(
                        "outage.planned",
                        message_id=300 + n,
                        text=f"Power cut {n}",
                        importance=Importance.HIGH,
                        confirmation_required=True,
                    ),
                )
            )
        done = await ihd_events.wait("history.done", timeout=30)
        assert done["intervals"] == ihd_events.named("history.progress")[0]["total"] > 37_000
        for record in sent:
            await stack.meter_events.wait("ack.received", refers_to=record.key, timeout=20)
        assert not stack.meter_events.named("ihd.rejected")
        requested = stack.meter_events.named("history.requested")
        assert len(requested) == len({r["details"].get("refers_to", id(r)) for r in requested})
    finally:
        if ihd is not None:
            await ihd.close()
        await stack.close()
