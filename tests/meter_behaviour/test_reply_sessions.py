"""The display's replies name the handshake's session, and the meter holds them to it: a reply
of a session it never opened with the display is refused (``wrong-session``), one of an earlier
session it did open is still accepted (a reply kept in the outbox through a dropped link). Within
a session replies carry the display's key id alone: the meter accepts that only for the
certificate the handshake of the session the reply names verified."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bumble.device import Connection

from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import parse_envelope, sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.zcl import Endpoint
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from ihd_app.service.replies import ReplySigner
from tests.event_waiting import Events
from tests.meter_behaviour.support import Stack, start_stack


def _embedding(stack: Stack, session: str, message_id: int) -> bytes:
    """A receipt naming ``session`` that carries the display's certificate (as an envelope
    outside any session does)."""
    assert stack.ihd is not None
    identity, now = stack.ihd.identity, datetime.now(UTC)
    payload, details = compose(
        MessageRequest(
            "message.receipt",
            message_id=message_id,
            refers_to=f"k{message_id}",
            fuel=Endpoint.ELECTRICITY,
            at=now,
        )
    )
    details["session"] = session
    claims = new_claims(
        identity,
        "message.receipt",
        stack.meter.meter_id,
        int(now.timestamp() * 1000),
        issued_at=now,
        valid_for=timedelta(hours=1),
        details=details,
    )
    return sign_envelope(identity, claims, payload)


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

        forged_session = _embedding(stack, "0" * 32, 301)
        await stack.ihd.link.send(forged_session)
        rejected = await stack.meter_events.wait("ihd.rejected")
        assert rejected["reason"] == "wrong-session"
        assert not stack.meter_events.named("receipt")

        no_session = _signer(stack, None).receipt(302, "k302", Endpoint.ELECTRICITY)
        await stack.ihd.link.send(no_session)
        assert (await stack.meter_events.wait_count("ihd.rejected", 2))[-1][
            "reason"
        ] == "wrong-session"

        # The key id alone, naming a session the meter never opened: no handshake verified a
        # certificate for it there, so nothing in it is believed.
        kid_only = _signer(stack, "1" * 32).receipt(304, "k304", Endpoint.ELECTRICITY)
        assert parse_envelope(kid_only).certificate_der is None
        await stack.ihd.link.send(kid_only)
        assert (await stack.meter_events.wait_count("ihd.rejected", 3))[-1][
            "reason"
        ] == "unknown-signer"

        genuine = _signer(stack, established["session"]).receipt(303, "k303", Endpoint.ELECTRICITY)
        assert parse_envelope(genuine).certificate_der is None, "the key id alone in a session"
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
        # A display of before consent per purpose: "allowed" meant half-hourly for all.
        assert stored["consent"]["dno/network-planning"] == "half-hourly"
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


async def test_a_reply_that_crosses_the_proofs_confirmation_is_handled_not_dropped(
    tmp_path: Path,
) -> None:
    """The display verifies the proof and writes at once; its ATT confirmation of the proof and
    that write can reach the meter before the meter has seen the confirmation through. The
    reply was acknowledged at ATT level and dropped as wrong-session (a receipt lost on a
    loaded machine, tests/fault/test_kill_meter.py)."""
    stack = await start_stack(tmp_path, with_ihd=False)
    release = asyncio.Event()
    server = stack.meter.server
    assert server is not None
    indicate = server.indicate_to

    async def confirmed_late(connection: Connection, envelope: bytes) -> None:
        await indicate(connection, envelope)
        await release.wait()  # the meter sees the confirmation only after the reply

    server.indicate_to = confirmed_late  # type: ignore[method-assign]
    log = EventLog()
    events = Events(log)
    service = IhdService(
        ServiceConfig(stack.meter.config.radio, tmp_path / "ihd", backfill=False),
        log,
        pairing=AutoAccept(),
    )
    try:
        await service.start()
        assert service.link is not None
        connecting = asyncio.ensure_future(service.connect(await service.link.find_meter()))
        ready = await events.wait("link.ready", timeout=30)
        assert not stack.meter_events.named("session.established")

        receipt = _signer_of(service, stack.meter.meter_id, ready["session"]).receipt(
            320, "k320", Endpoint.ELECTRICITY
        )
        await service.link.send(receipt)
        handled = await stack.meter_events.wait("receipt")
        assert handled["details"]["session"] == ready["session"]
        assert not stack.meter_events.named("ihd.rejected")
        release.set()
        await connecting
        assert len(stack.meter_events.named("session.established")) == 1
    finally:
        release.set()
        await service.close()
        await stack.close()


def _signer_of(service: IhdService, meter_id: str, session: str) -> ReplySigner:
    counters: list[int] = []
    return ReplySigner(
        service.identity,
        meter_id,
        session,
        lambda: counters[-1] if counters else None,
        counters.append,
        lambda: datetime.now(UTC),
    )
