"""The **device-log** check over the virtual radio against the real meter emulator: a display
not on the meter's HAN device log is refused, dropped and unbonded; a meter that serves it, or
keeps its bond, fails the check; without such a display the check is skipped, not failed."""

from __future__ import annotations

import argparse
import contextlib
from pathlib import Path

import pytest
from bumble import hci
from bumble.device import Connection

from ihd_app.cli.main import _uncommissioned
from ihd_app.conformance.checks import Status
from ihd_app.conformance.device_log_check import CHECK
from ihd_app.conformance.report import format_table
from ihd_app.protocol.events import EventLog, EventWaiter
from ihd_app.protocol.pki import load_identity
from ihd_app.protocol.resources import demo_pki_dir
from meter_emulator.gatt.peripheral import MeterPeripheral
from tests.conformance.conftest import Conform


async def test_the_emulator_refuses_a_display_not_on_its_log(conform: Conform) -> None:
    events = EventLog()
    seen = EventWaiter(events)
    report = await conform(send=False, message_wait_s=1.0, events=events)
    result = report.result(CHECK)
    assert result.status is Status.PASS, report.to_dict()
    ihd_2 = load_identity(demo_pki_dir(), "ihd-2").entity_id
    assert result.details == {"ihd_id": ihd_2, "answer": "refused"}
    assert "not-commissioned" in result.reason
    assert "bond deleted" in result.reason
    # The meter's side: it refused that display, dropped its link and deleted its bond.
    assert seen.named("session.refused", ihd_id=ihd_2)
    assert seen.named("session.dropped", bond_deleted=True)
    assert not seen.named("session.established", ihd_id=ihd_2)
    assert CHECK in format_table(report)
    assert CHECK in [r.to_dict()["check"] for r in report.results]


async def test_a_meter_serving_the_display_fails_the_check(conform: Conform) -> None:
    # Deliberately wrong for this check: the run's "uncommissioned" display is on the log.
    report = await conform(send=False, message_wait_s=1.0, commission=("ihd-2",))
    result = report.result(CHECK)
    assert result.status is Status.FAIL, report.to_dict()
    assert "session.proof" in result.reason
    assert "not on its HAN device log" in result.reason
    assert not report.ok


async def test_a_meter_keeping_the_bond_fails_the_check(
    conform: Conform, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def drop_keeping_the_bond(self: MeterPeripheral, connection: Connection) -> bool:
        with contextlib.suppress(hci.HCI_Error):
            await connection.disconnect()
        return False

    monkeypatch.setattr(MeterPeripheral, "drop", drop_keeping_the_bond)
    report = await conform(send=False, message_wait_s=1.0)
    result = report.result(CHECK)
    assert result.status is Status.FAIL, report.to_dict()
    assert "kept its bond" in result.reason


async def test_without_an_uncommissioned_display_the_check_is_skipped(conform: Conform) -> None:
    report = await conform(send=False, message_wait_s=0.5, uncommissioned=None)
    result = report.result(CHECK)
    assert result.status is Status.SKIP
    assert "--uncommissioned NAME" in result.reason
    assert report.ok, report.to_dict()


def test_the_command_line_chooses_the_uncommissioned_display(tmp_path: Path) -> None:
    def chosen(**args: object) -> str | None:
        namespace = argparse.Namespace(**{"pki": None, "uncommissioned": None, **args})
        identity = _uncommissioned(namespace)
        return None if identity is None else identity.entity_id

    assert chosen() == load_identity(demo_pki_dir(), "ihd-2").entity_id
    assert chosen(uncommissioned="none") is None
    # With a PKI of one's own, only the display named.
    assert chosen(pki=tmp_path) is None
    assert chosen(pki=demo_pki_dir(), uncommissioned="ihd-2") == chosen()
