"""A fake meter: a Bumble peripheral of the attacker's that advertises the profile, pairs (the
consumer says yes) and claims the real meter's id in Meter Info (issue J). The display runs as
its own process (``ihd --headless``); the fake meter and, later, the real meter run here, so the
test can keep what the display wrote to the fake one and relay it to the real one.

The display must show nothing the fake meter sends and sign nothing for it but the handshake's
hello, and that hello must be worth nothing to the real meter.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from bumble.device import Connection
from bumble.hci import Address

from ihd_app.protocol.cli_common import EXIT_PAIRING_FAILED
from ihd_app.protocol.envelope import parse_envelope
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import create_pki
from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.resources import demo_pki_dir, demo_trust_dir
from meter_emulator.config import MeterConfig
from meter_emulator.runtime import MeterRuntime
from tests.e2e.programs import Program, free_port, headless_args
from tests.event_waiting import Events
from tests.meter.support import TIMEOUT, Central, write_unit
from tests.support import METER_ID

#: Long enough for a loaded machine; the test waits on events, this only guards a hang.
GUARD_S = 90


class FakeMeter(MeterRuntime):
    """The attacker's meter: our own runtime, claiming ``claimed_id`` whatever its certificate
    says, answering every hello (its proof signed by whatever identity it has), and keeping
    every unit the display writes."""

    def __init__(self, config: MeterConfig, events: EventLog, claimed_id: str) -> None:
        self._claimed = claimed_id
        self.collected: list[bytes] = []
        super().__init__(config, events)
        route = self.sessions.route

        def collect(unit: bytes, connection: Connection) -> None:
            self.collected.append(unit)
            route(unit, connection)

        # The GATT server is given the route when the meter starts.
        self.sessions.route = collect  # type: ignore[method-assign]

    @property
    def meter_id(self) -> str:
        return self._claimed


def _pki_signing_as(tmp_path: Path, name: str) -> Path:
    """The demo PKI with its ``meter`` identity replaced by its ``name`` identity (a meter
    that signs with the supplier's certificate)."""
    pki = tmp_path / f"pki-as-{name}"
    shutil.copytree(demo_pki_dir(), pki)
    shutil.rmtree(pki / "identities" / "meter")
    shutil.copytree(demo_pki_dir() / "identities" / name, pki / "identities" / "meter")
    return pki


def _foreign_pki(tmp_path: Path) -> Path:
    """A PKI of the attacker's own: the same entity ids, a root no display trusts."""
    pki = tmp_path / "foreign-pki"
    create_pki(pki, label="Attacker's PKI")
    return pki


async def _fake_meter(tmp_path: Path, pki: Path) -> tuple[FakeMeter, Events, int]:
    port = free_port()
    log = EventLog()
    fake = FakeMeter(
        MeterConfig(
            radio=RadioSpec.parse(f"virtual:{port}"),
            data_dir=tmp_path / "fake-meter",
            pki_dir=pki,
            # The attacker can check the display's hello as well as the real meter does.
            trust_dir=demo_trust_dir(),
            report_interval_s=0.05,
        ),
        log,
        claimed_id=METER_ID,
    )
    events = Events(log)
    await fake.start()
    return fake, events, port


@pytest.mark.parametrize(
    ("certificate", "because"),
    [
        ("foreign", "untrusted-chain"),
        ("supplier", "role-not-authorised"),
    ],
    ids=["meter-certificate-of-another-pki", "certificate-of-another-role"],
)
async def test_a_fake_meter_gets_nothing_shown_and_nothing_the_real_meter_accepts(
    tmp_path: Path, started_programs: list[Program], certificate: str, because: str
) -> None:
    pki = (
        _foreign_pki(tmp_path)
        if certificate == "foreign"
        else _pki_signing_as(tmp_path, "supplier")
    )
    fake, _fake_events, port = await _fake_meter(tmp_path, pki)
    try:
        ihd = await Program.start(
            "ihd", headless_args(port, tmp_path / "ihd", "--accept-pairing", "--auto-ack")
        )
        started_programs.append(ihd)
        untrusted = await ihd.wait_for("link.untrusted", timeout=GUARD_S)
        code, stderr = await ihd.exited(timeout=GUARD_S)
    finally:
        await fake.close()

    # The consumer paired (said yes), yet the display would not use the link.
    assert ihd.seen("link.paired")
    assert untrusted["reason"] == "meter-unproven"
    assert because in untrusted["detail"]
    assert code == EXIT_PAIRING_FAILED
    assert "the meter was not accepted (meter-unproven)" in stderr
    # Nothing the fake meter sent was used: no reading, no message, no link.ready.
    for shown in ("reading", "message.accepted", "message.rejected", "link.ready"):
        assert not ihd.seen(shown), shown
    assert not ihd.seen("link.pairing-refused")
    # The display signed exactly one thing for it: the hello, bound to the fake link's challenge.
    assert [_type(unit) for unit in fake.collected] == ["session.hello"]

    # Relayed to the real meter over a link of the attacker's own, it is worth nothing.
    rejected = await _relay_to_the_real_meter(tmp_path, fake.collected)
    assert [r["reason"] for r in rejected] == ["stale-challenge"]


async def _relay_to_the_real_meter(tmp_path: Path, units: list[bytes]) -> list[dict[str, Any]]:
    """Pair an attacker's central with the real meter, write ``units`` on it; what the meter
    logged about them."""
    log = EventLog()
    events = Events(log)
    meter = MeterRuntime(
        MeterConfig(radio=RadioSpec.parse(f"virtual:{free_port()}"), data_dir=tmp_path / "meter"),
        log,
    )
    await meter.start()
    assert meter.radio is not None
    assert meter.radio.virtual_air is not None
    central = Central(meter.radio.virtual_air)
    try:
        await central.start()
        assert meter.address is not None
        await central.connect(Address(meter.address))
        await central.pair()
        await events.wait("link.paired", timeout=TIMEOUT)
        for unit in units:
            await write_unit(central, unit)
        rejected = await events.wait_count("session.rejected", len(units), timeout=TIMEOUT)
        for reply in ("receipt", "displayed", "ack.received", "error.received"):
            assert not events.named(reply), reply
        assert not events.named("session.established")
        return rejected
    finally:
        await central.close()
        await meter.close()


def _type(unit: bytes) -> str:
    return parse_envelope(unit).claims.type
