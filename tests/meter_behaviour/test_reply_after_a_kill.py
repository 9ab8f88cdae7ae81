"""A display's reply the meter was killed in the middle of handling (seed use case 12: the DNO
must get its receipt): the display re-sends it, and the restarted meter logs and applies it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir
from ihd_app.protocol.verification import Flow, Verifier
from ihd_app.protocol.zcl import Endpoint
from ihd_app.service.replies import ReplySigner
from meter_emulator.config import MeterConfig
from meter_emulator.ihd_replies import IhdReplies
from meter_emulator.runtime import MeterRuntime
from tests.event_waiting import Events
from tests.support import IHD_ID

NOW = datetime(2026, 11, 22, 3, 0, tzinfo=UTC)


class Killed(BaseException):
    """The process dying at this point (nothing after it runs)."""


def replies_of(meter: MeterRuntime) -> IhdReplies:
    """The meter's handler of the display's replies, with the meter's own state and PKI."""
    verifier = Verifier(
        TrustStore.from_directory(meter.config.trust_dir),
        Policy.from_file(default_policy_path()),
        meter.state,
        {meter.meter_id},
        flows=tuple(Flow),
        clock=lambda: NOW,
        session_signers=meter.state.session_certificate,
    )
    return IhdReplies(
        meter.state,
        verifier,
        meter.status,
        meter.attacks,
        meter.events,
        frozenset(),
        history_requested=lambda *_: None,
        clock=lambda: NOW,
    )


def test_a_receipt_whose_handling_a_kill_cut_short_is_logged_when_re_sent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = MeterConfig(radio=RadioSpec.parse("virtual:1"), data_dir=tmp_path / "meter")
    first_log = EventLog()
    first_events = Events(first_log)
    first = MeterRuntime(config, first_log)
    counters: list[int] = []
    ihd = load_identity(demo_pki_dir(), "ihd")
    # As the handshake leaves it: the session opened with the display's certificate, whose key
    # id alone the display's replies in it carry.
    first.state.open_session(ihd.entity_id, "session-1", ihd.certificate_der)
    display = ReplySigner(
        ihd,
        first.meter_id,
        "session-1",
        lambda: counters[-1] if counters else None,
        counters.append,
        lambda: NOW,
    )
    receipt = display.receipt(1003, "dno:1003", Endpoint.ELECTRICITY)

    # Killed once the receipt is logged, before the meter has remembered handling it: what is
    # on disk at that instant is all a restarted meter has (kill -9 runs no cleanup).
    at_kill = tmp_path / "at-kill"

    def killed(digest: str) -> None:
        shutil.copytree(config.data_dir, at_kill)
        raise Killed(digest)

    monkeypatch.setattr(first.state, "remember", killed)
    with pytest.raises(Killed):
        replies_of(first).on_unit_from_ihd(receipt, IHD_ID)
    config = replace(config, data_dir=at_kill)
    logged = first_events.named("receipt")
    assert [e["message_id"] for e in logged] == [1003]

    # The display never got the write response, so it sends the same reply to the new meter:
    # handled, not dismissed as a duplicate, and logged under the same digest.
    restarted_log = EventLog()
    restarted_events = Events(restarted_log)
    restarted = MeterRuntime(config, restarted_log)
    replies_of(restarted).on_unit_from_ihd(receipt, IHD_ID)
    again = restarted_events.named("receipt")
    assert [e["message_id"] for e in again] == [1003]
    assert again[0]["digest"] == logged[0]["digest"]
    assert not restarted_events.named("duplicate")

    # Remembered this time: a third copy (after another restart) is a known duplicate.
    third_log = EventLog()
    third_events = Events(third_log)
    replies_of(MeterRuntime(config, third_log)).on_unit_from_ihd(receipt, IHD_ID)
    assert not third_events.named("receipt")
    assert len(third_events.named("duplicate")) == 1
