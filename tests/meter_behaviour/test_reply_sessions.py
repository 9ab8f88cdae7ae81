"""The display's replies name the handshake's session, and the meter holds them to it: a reply
of a session it never opened with the display is refused (``wrong-session``), one of an earlier
session it did open is still accepted (a reply kept in the outbox through a dropped link)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.zcl import Endpoint
from ihd_app.service.replies import ReplySigner
from tests.meter_behaviour.support import Stack, start_stack


def _signer(stack: Stack, session: str | None) -> ReplySigner:
    assert stack.ihd is not None
    counters: list[int] = []
    return ReplySigner(
        stack.ihd.identity,
        stack.meter.meter_id,
        session,
        lambda: counters[-1] if counters else None,
        counters.append,
        lambda: datetime.now(UTC),
    )


async def test_a_reply_bound_to_a_session_the_meter_never_opened_is_refused(
    tmp_path: Path,
) -> None:
    stack = await start_stack(tmp_path)
    try:
        assert stack.ihd is not None
        assert stack.ihd.link is not None
        established = stack.meter_events.named("session.established")[-1]
        ready = stack.ihd_events.named("link.ready")[-1]
        assert ready["session"] == established["session"], "both ends name the same session"

        forged_session = _signer(stack, "0" * 32).receipt(301, "k301", Endpoint.ELECTRICITY)
        await stack.ihd.link.send(forged_session)
        rejected = await stack.meter_events.wait("ihd.rejected")
        assert rejected["reason"] == "wrong-session"
        assert not stack.meter_events.named("receipt")

        no_session = _signer(stack, None).receipt(302, "k302", Endpoint.ELECTRICITY)
        await stack.ihd.link.send(no_session)
        assert (await stack.meter_events.wait_count("ihd.rejected", 2))[-1][
            "reason"
        ] == "wrong-session"

        genuine = _signer(stack, established["session"]).receipt(303, "k303", Endpoint.ELECTRICITY)
        await stack.ihd.link.send(genuine)
        receipt = await stack.meter_events.wait("receipt")
        assert receipt["details"]["session"] == established["session"]
    finally:
        await stack.close()


async def test_a_reply_of_an_earlier_session_is_accepted_after_the_meter_restarts(
    tmp_path: Path,
) -> None:
    stack = await start_stack(tmp_path)
    try:
        first = stack.meter_events.named("session.established")[-1]["session"]
        await stack.stop_ihd()
        await stack.restart_meter()
        await stack.start_ihd()
        second = stack.meter_events.named("session.established")[-1]["session"]
        assert second != first, "every connection opens its own session"
        assert stack.ihd is not None
        assert stack.ihd.link is not None

        kept = _signer(stack, first).sign(
            MessageRequest("consent.update", consent={"dno": True}, at=datetime.now(UTC))
        )
        await stack.ihd.link.send(kept)
        stored = await stack.meter_events.wait("consent.stored")
        assert stored["consent"]["dno"] is True
    finally:
        await stack.close()


async def test_after_the_link_comes_back_by_itself_replies_name_the_new_session(
    tmp_path: Path,
) -> None:
    stack = await start_stack(tmp_path)
    try:
        await stack.meter.drop_link()
        ready = await stack.ihd_events.wait_count("link.ready", 2)
        established = await stack.meter_events.wait_count("session.established", 2)
        assert ready[-1]["session"] == established[-1]["session"] != established[0]["session"]

        sent = stack.meter.operator.send(
            "dno", MessageRequest("message.general", message_id=310, text="After the drop")
        )
        receipt = await stack.meter_events.wait("receipt", refers_to=sent.key)
        assert receipt["details"]["session"] == established[-1]["session"]
    finally:
        await stack.close()
