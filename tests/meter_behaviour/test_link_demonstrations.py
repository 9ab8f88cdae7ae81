"""The attack console's demonstrations on the link, against the real IHD service: a display
taken off the device log is refused by name and comes back on Restore; a fake meter is refused
by the display and the genuine one served again on Restore."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from ihd_app.link.pairing import AutoAccept
from ihd_app.protocol.events import EventLog
from ihd_app.service.api import ProblemKind
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from meter_emulator.attacks.link_demonstrations import DemonstrationError
from meter_emulator.scenarios.loader import load_scenario
from tests.event_waiting import Events
from tests.meter_behaviour.support import Stack, start_stack
from tests.support import IHD_ID

#: A display that reconnects with backoff (at most 15 s apart) gets this long.
RECONNECT_S = 45


async def _banner(display: IhdService) -> str:
    """What the display's banner says once the meter is not accepted (Try again)."""
    shown = asyncio.Event()

    def on_change(_change: object) -> None:
        problem = display.connection_problem
        if problem is not None and problem.kind is ProblemKind.METER_NOT_TRUSTED:
            shown.set()

    unsubscribe = display.subscribe(on_change)
    try:
        on_change(None)
        await asyncio.wait_for(shown.wait(), RECONNECT_S)
    finally:
        unsubscribe()
    problem = display.connection_problem
    assert problem is not None
    return problem.detail


async def _kept_connected(stack: Stack) -> IhdService:
    """The display as its window runs it: kept connected, a refusal shown until Try again."""
    log = EventLog()
    stack.ihd_events = Events(log)
    service = stack.ihd = IhdService(
        ServiceConfig(
            stack.meter.config.radio, stack.tmp_path / "ihd", backfill=False, auto_connect=True
        ),
        log,
        pairing=AutoAccept(),
    )
    await service.start()
    await stack.ihd_events.wait("link.ready", timeout=RECONNECT_S)
    await stack.meter_events.wait("session.established", timeout=RECONNECT_S)
    return service


async def test_an_uncommissioned_display_is_refused_by_name_and_restore_brings_it_back(
    tmp_path: Path,
) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    try:
        display = await _kept_connected(stack)
        demonstrations = stack.meter.attacks.demonstrations
        ready = len(stack.ihd_events.named("link.ready"))
        stack.meter.pairing_window.close(by="test")

        record = demonstrations.start("uncommissioned-display")

        assert record.ihd_id == IHD_ID
        assert "han.device-remove" in record.how
        assert "pairing window opened" in record.how
        removed = stack.meter.status.rows("operator")[-1]
        assert removed.type == "han.device-remove"  # in the status table like any command
        untrusted = await stack.ihd_events.wait("link.untrusted", timeout=RECONNECT_S)
        assert untrusted["reason"] == "not-commissioned"
        outcome = await stack.meter_events.wait("attack.outcome", timeout=RECONNECT_S)
        assert outcome["reason"] == outcome["expected_reason"] == "not-commissioned"
        assert record.as_expected
        with pytest.raises(DemonstrationError, match="Restore first"):
            demonstrations.start("fake-meter-supplier")

        assert "does not know this display" in await _banner(display)

        assert demonstrations.restore() is record
        await stack.meter_events.wait("han.device-added", ihd_id=IHD_ID)
        display.pair_again()  # Try again, on the display's banner
        await stack.ihd_events.wait_count("link.ready", ready + 1, timeout=RECONNECT_S)
        await stack.meter_events.wait("attack.link-back", timeout=RECONNECT_S)
        assert record.back_at is not None
        assert [d.ihd_id for d in stack.meter.han.devices] == [IHD_ID]
    finally:
        await stack.close()


@pytest.mark.parametrize(
    ("name", "refusal"),
    [("fake-meter-supplier", "role-not-authorised"), ("fake-meter-untrusted", "untrusted-chain")],
)
async def test_a_fake_meter_is_refused_by_the_display_and_restore_serves_it_again(
    tmp_path: Path, name: str, refusal: str
) -> None:
    stack = await start_stack(tmp_path, with_ihd=False)
    try:
        display = await _kept_connected(stack)
        demonstrations = stack.meter.attacks.demonstrations
        ready = len(stack.ihd_events.named("link.ready"))

        record = demonstrations.start(name)

        untrusted = await stack.ihd_events.wait("link.untrusted", timeout=RECONNECT_S)
        assert untrusted["reason"] == "meter-unproven"
        assert refusal in untrusted["detail"]
        outcome = await stack.meter_events.wait("attack.outcome", timeout=RECONNECT_S)
        assert outcome["as_expected"]
        assert not record.accepted
        assert record.reason == "meter-unproven"
        assert len(stack.ihd_events.named("link.ready")) == ready, "nothing used from the fake"

        assert "could not prove it is a genuine meter" in await _banner(display)

        demonstrations.restore()
        display.pair_again()  # Try again, on the display's banner
        await stack.ihd_events.wait_count("link.ready", ready + 1, timeout=RECONNECT_S)
        back = await stack.meter_events.wait("attack.link-back", timeout=RECONNECT_S)
        assert back["name"] == name
        assert stack.meter.sessions.proof_signer is None
    finally:
        await stack.close()


def test_a_scenario_names_the_demonstrations(tmp_path: Path) -> None:
    path = tmp_path / "links.toml"
    path.write_text(
        '[scenario]\ntitle = "Links"\n'
        '[[step]]\naction = "attack"\nname = "fake-meter-untrusted"\n'
        '[[step]]\naction = "wait-for"\nevent = "attack.outcome"\n'
        '[[step]]\naction = "attack"\nname = "restore-link"\n',
        encoding="utf-8",
    )
    steps = load_scenario(path).steps
    assert [s.fields["name"] for s in steps if s.action == "attack"] == [
        "fake-meter-untrusted",
        "restore-link",
    ]
