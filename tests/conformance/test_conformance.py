"""``ihd conformance`` against the meter emulator: it conforms, and each fault fails its check."""

from __future__ import annotations

import pytest

from ihd_app.conformance.checks import CHECK_NAMES, Status
from ihd_app.conformance.report import format_table
from meter_emulator.faults import Fault
from tests.conformance.conftest import Conform


async def test_the_emulator_conforms(conform: Conform) -> None:
    report = await conform()
    statuses = {r.name: r.status for r in report.results}
    assert statuses == dict.fromkeys(CHECK_NAMES, Status.PASS), report.to_dict()
    assert report.ok


async def test_without_a_message_its_checks_are_skipped_not_failed(conform: Conform) -> None:
    report = await conform(send=False, message_wait_s=0.5)
    assert report.ok, report.to_dict()
    assert "meter-emulator --send" in report.result("message").reason
    for name in ("message", "replay-counter", "message-receipt", "message-confirmation"):
        assert report.result(name).status is Status.SKIP


@pytest.mark.parametrize("fault", list(Fault), ids=[f.value for f in Fault])
async def test_each_fault_fails_its_check(conform: Conform, fault: Fault) -> None:
    report = await conform(fault)
    result = report.result(fault.check)
    assert result.status is Status.FAIL, report.to_dict()
    assert result.reason
    assert not report.ok


async def test_the_table_names_every_check(conform: Conform) -> None:
    report = await conform(Fault.NO_AUTH)
    table = format_table(report)
    for name in CHECK_NAMES:
        assert name in table
    assert "DOES NOT CONFORM" in table
