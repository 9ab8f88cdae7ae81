"""The meter's HAN device log: what a first start holds, who may change it (the supplier, by a
signed envelope), and what taking a connected display off it does (its link and bond go)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from ihd_app.link.meter_link import LinkState
from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import load_identity
from ihd_app.protocol.resources import demo_pki_dir
from ihd_app.protocol.session import Hello
from ihd_app.service.api import ProblemKind
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from meter_emulator.device_log import DEVICE_LOG_FILE, DeviceLog, DeviceLogError, HanDevice
from tests.event_waiting import Events
from tests.meter_behaviour.support import start_stack
from tests.support import IHD_ID

SECOND_DISPLAY = "00-1D-A6-00-00-00-01-02"


def _fingerprint(name: str) -> str:
    return load_identity(demo_pki_dir(), name).kid.hex()


def _hello(ihd_id: str, fingerprint: str) -> Hello:
    return Hello(ihd_id, fingerprint, challenge="00" * 16, nonce="11" * 16)


def test_the_log_admits_only_displays_on_it_with_their_certificate(tmp_path: Path) -> None:
    first = HanDevice(IHD_ID, _fingerprint("ihd"), "2026-12-01T12:00:00+00:00", "first start")
    log = DeviceLog(tmp_path / DEVICE_LOG_FILE, first)

    assert log.admit(_hello(IHD_ID, _fingerprint("ihd"))).admitted
    other_certificate = log.admit(_hello(IHD_ID, "ab" * 32))
    assert not other_certificate.admitted
    assert "with certificate" in other_certificate.detail
    stranger = log.admit(_hello(SECOND_DISPLAY, _fingerprint("ihd-2")))
    assert not stranger.admitted
    assert "not on the meter's device log" in stranger.detail

    # Written at once, and read back by the next start instead of the first display.
    second = HanDevice(SECOND_DISPLAY, _fingerprint("ihd-2"), "2026-12-01T12:01:00+00:00", "x")
    assert log.add(second)
    assert not log.add(second), "adding it again changes nothing"
    assert log.remove(IHD_ID)
    reopened = DeviceLog(tmp_path / DEVICE_LOG_FILE, first)
    assert [d.ihd_id for d in reopened.devices] == [SECOND_DISPLAY]


def test_a_damaged_log_is_refused_with_its_name(tmp_path: Path) -> None:
    path = tmp_path / DEVICE_LOG_FILE
    path.write_text(json.dumps({"version": 1, "devices": [{"ihd_id": 3}]}), encoding="utf-8")
    with pytest.raises(DeviceLogError, match=DEVICE_LOG_FILE):
        DeviceLog(path)


async def test_the_supplier_commissions_a_display_and_a_dno_cannot(tmp_path: Path) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    try:
        meter = stack.meter
        assert [d.ihd_id for d in meter.han.devices] == [IHD_ID], "the PKI's display, first start"
        request = MessageRequest(
            "han.device-add",
            device_id=SECOND_DISPLAY,
            device_certificate_sha256=_fingerprint("ihd-2"),
        )

        refused = meter.operator.send("dno", request)
        assert refused.refused_reason == "role-not-authorised"
        assert [d.ihd_id for d in meter.han.devices] == [IHD_ID]

        added = meter.operator.send("supplier", request)
        assert added.outcome == f"display {SECOND_DISPLAY} added to the device log"
        event = await stack.meter_events.wait("han.device-added")
        assert event["by"] == "Brightwater Energy Supply"
        assert [d.ihd_id for d in meter.han.devices] == [IHD_ID, SECOND_DISPLAY]
    finally:
        await stack.close()


async def test_a_connected_display_taken_off_the_log_loses_its_link_and_bond(
    tmp_path: Path,
) -> None:
    stack = await start_stack(tmp_path)
    try:
        removed = stack.meter.operator.send(
            "supplier", MessageRequest("han.device-remove", device_id=IHD_ID)
        )
        assert removed.outcome == f"display {IHD_ID} removed from the device log"
        await stack.meter_events.wait("link.disconnected")
        # The display reconnects with its bond, which the meter no longer has: refused, it
        # asks to pair again, and the handshake refuses it by name.
        untrusted = await stack.ihd_events.wait("link.untrusted", timeout=30)
        assert untrusted["reason"] == "not-commissioned"
        refusal = await stack.meter_events.wait("session.refused", timeout=30)
        assert refusal["ihd_id"] == IHD_ID
        # It stops there: pairing and being refused again and again would help nobody.
        stopped = await stack.ihd_events.wait("link.reconnect-refused", timeout=30)
        assert stopped["reason"] == "not-commissioned"
        assert stack.ihd is not None
        assert stack.ihd.link_state is LinkState.IDLE
    finally:
        await stack.close()


async def test_a_display_kept_connected_shows_why_the_meter_no_longer_serves_it(
    tmp_path: Path,
) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    log = EventLog()
    events = Events(log)
    service = IhdService(
        ServiceConfig(
            stack.meter.config.radio, tmp_path / "ihd", backfill=False, auto_connect=True
        ),
        log,
        pairing=AutoAccept(),
    )
    problem_shown = asyncio.Event()

    def on_change(_change: object) -> None:
        problem = service.connection_problem
        if problem is not None and problem.kind is ProblemKind.METER_NOT_TRUSTED:
            problem_shown.set()

    service.subscribe(on_change)
    try:
        await service.start()
        await events.wait("link.ready", timeout=30)
        stack.meter.operator.send("supplier", MessageRequest("han.device-remove", device_id=IHD_ID))
        # Straight after the display holds the proof, before the meter has served it: the
        # removal must still take it off the air.
        await asyncio.wait_for(problem_shown.wait(), 30)
        problem = service.connection_problem
        assert problem is not None
        assert "does not know this display" in problem.detail
        assert IHD_ID in problem.detail, "the consumer is told the display's identifier"
    finally:
        await service.close()
        await stack.close()
