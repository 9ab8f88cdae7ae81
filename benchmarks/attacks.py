"""``python -m benchmarks.attacks``: every attack over the real Bluetooth LE link, counted.

The meter emulator (:class:`~meter_emulator.runtime.MeterRuntime`) and the real display
(:class:`~ihd_app.service.ihd_service.IhdService`), or a hostile central, run in this process on
the virtual radio (Bumble controllers on a virtual air, served on a loopback TCP port as for two
processes): advertising, connection, SMP pairing, encryption, ATT and segmentation are the real
stacks on both sides. Families of attacks:

- the 15 attacks of the emulator's attack console (``meter_emulator.attacks.forgery.ATTACKS``),
  each refused by the display with its reason code (read back from the display's signed error
  notification, as the console shows it);
- a flood of truncated segmented units, as indications to the display and as writes to the
  meter: every partial unit is forgotten, memory stays within the unit limit, orphan
  continuation segments are refused, and a genuine message crosses afterwards on the same link;
- oversized reassembly: a FIRST segment declaring more than the unit limit, refused with
  ``oversize`` before anything is buffered, in both directions;
- unpaired access: reads, writes and subscriptions refused with ATT Insufficient
  Authentication (0x05);
- a pairing whose numeric comparison is rejected (by the display, then by the meter): it fails
  on both sides, no bond is stored, and access is still refused;
- a downgrade: a central that offers only Just Works (no MITM protection), with LE Secure
  Connections and with legacy pairing, is refused; a link encrypted with an unauthenticated key
  (planted in both key stores) still cannot read, write or subscribe.

Every attempt and every refusal is counted. The report is a table, attack -> expected outcome ->
observed -> attempts / refused / accepted; the exit status is 1 if any attempt was not refused
(or anything was accepted). ``tests/attacks/test_attack_suite.py`` runs the same suite.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bleak import BleakClient
from bleak.exc import BleakError
from bumble import core, hci
from bumble.device import Connection, Device, Peer
from bumble.keys import PairingKeys
from bumble.pairing import PairingConfig
from bumble.transport import open_transport

from ihd_app.conformance.handshake_check import check_handshake
from ihd_app.link.bumble_backend import BumbleAttError
from ihd_app.link.bumble_host import build_bumble_device
from ihd_app.link.meter_link import LinkState, MeterLink
from ihd_app.link.pairing import (
    AnswersPairingDelegate,
    AutoAccept,
    IoCapability,
    PairingAnswers,
    RejectAll,
)
from ihd_app.link.radios import IHD_ADDRESS, OpenRadio, open_radio
from ihd_app.protocol import gatt_profile
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.events import EventLog, EventWaiter
from ihd_app.protocol.pki import TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.radio_spec import RadioSpec, free_virtual_port
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir, demo_trust_dir
from ihd_app.protocol.segmentation.reassembler import Reassembler, ReassemblyStats
from ihd_app.protocol.segmentation.segmenter import Segmenter
from ihd_app.protocol.segmentation.wire import FLAG_FIRST, MAX_UNIT_BYTES
from ihd_app.protocol.zcl import Importance
from ihd_app.service.config import ServiceConfig
from ihd_app.service.ihd_service import IhdService
from ihd_app.service.replies import ReplySigner
from meter_emulator.attacks.forgery import AttackContext, genuine

#: Generous bound on one wait: the virtual air answers in milliseconds.
from meter_emulator.config import MeterConfig
from meter_emulator.gatt import ATT_ERROR_UNIT_REFUSED
from meter_emulator.runtime import MeterRuntime

#: Generous bound on one wait: the virtual air answers in milliseconds.
TIMEOUT = 15.0
#: ATT Insufficient Authentication, what every access without an authenticated link gets.
INSUFFICIENT_AUTHENTICATION = gatt_profile.ATT_ERROR_INSUFFICIENT_AUTHENTICATION
#: Declared length of each truncated unit in a flood: big, but inside the unit limit.
FLOOD_DECLARED_BYTES = 4000
#: Continuation segments sent after each truncated unit's FIRST segment (never the LAST).
FLOOD_DEPTH = 8
#: Declared lengths of the oversized FIRST segments (all above the unit limit).
OVERSIZE_DECLARED = (MAX_UNIT_BYTES + 1, 32768, 0xFFFF)

_MESSAGES = "Messages to IHD"
_IHD_TO_METER = "IHD to Meter"
_SUBSCRIBABLE = ("Metering", "Messages to IHD", "History")


@dataclass
class Row:
    """One line of the report: an attack, what must happen, what did, and the counts.

    Attributes:
        attack: What was tried.
        expected: The outcome the profile requires.
        observed: What the receiver did (reasons, ATT errors, counters).
        attempts: How many times it was tried.
        refused: Of those, how many were refused as expected.
        accepted: Of those, how many got through (must be 0).
    """

    attack: str
    expected: str
    observed: str = ""
    attempts: int = 0
    refused: int = 0
    accepted: int = 0

    @property
    def ok(self) -> bool:
        """Every attempt refused as expected, nothing accepted."""
        return self.attempts > 0 and self.refused == self.attempts and self.accepted == 0


# ---------------------------------------------------------------------------------------------
# The two programs and the attackers


@dataclass
class MeterUnderAttack:
    """A running meter emulator on a virtual air of its own."""

    runtime: MeterRuntime
    events: EventWaiter
    port: int

    @property
    def device(self) -> Device:
        assert self.runtime.server is not None
        return self.runtime.server.device

    async def free(self) -> None:
        """Wait until no central is attached to the virtual air (one at a time)."""
        radio = self.runtime.radio
        air = radio.virtual_air if radio is not None else None
        if air is not None:
            await asyncio.wait_for(air.wait_for_no_ihd(), TIMEOUT)

    async def bonds(self) -> int:
        keystore = self.device.keystore
        return 0 if keystore is None else len(await keystore.get_all())


class ScriptedMeterPolicy:
    """The person at the meter: answers the numeric comparison with :attr:`accept`."""

    def __init__(self) -> None:
        self.accept = True
        self.numbers: list[int] = []

    async def confirm(self, number: int) -> bool:
        self.numbers.append(number)
        return self.accept

    def display_passkey(self, passkey: int) -> None:
        """Never asked in numeric-comparison mode."""


@asynccontextmanager
async def running_meter(
    workdir: Path, policy: ScriptedMeterPolicy | None = None
) -> AsyncIterator[MeterUnderAttack]:
    """A meter on a fresh virtual port; live readings only hourly, so the link stays quiet."""
    port = free_virtual_port()
    log = EventLog()
    events = EventWaiter(log)
    runtime = MeterRuntime(
        MeterConfig(
            radio=RadioSpec.parse(f"virtual:{port}"),
            data_dir=workdir / "meter",
            report_interval_s=3600,
            pairing_policy=policy,
        ),
        log,
    )
    await runtime.start()
    try:
        yield MeterUnderAttack(runtime, events, port)
    finally:
        await runtime.close()


@asynccontextmanager
async def running_display(
    workdir: Path, meter: MeterUnderAttack
) -> AsyncIterator[tuple[IhdService, EventWaiter]]:
    """The real display service, paired (numeric comparison confirmed) and connected."""
    await meter.free()
    log = EventLog()
    events = EventWaiter(log)
    activity = asyncio.Event()
    log.subscribe(lambda _record: activity.set())
    ihd = IhdService(
        ServiceConfig(RadioSpec.parse(f"virtual:{meter.port}"), workdir / "ihd", backfill=False),
        log,
        pairing=AutoAccept(),
    )
    await ihd.start()
    try:
        assert ihd.link is not None
        await ihd.connect(await ihd.link.find_meter())
        yield ihd, events
        # Let the replies in flight (receipts, error notifications) reach the meter first: a
        # write cancelled by closing would leave the meter's answer with nobody waiting for it.
        with contextlib.suppress(TimeoutError):
            while ihd.outbox.pending_count() and ihd.link_state is LinkState.CONNECTED:
                activity.clear()
                await asyncio.wait_for(activity.wait(), TIMEOUT)
    finally:
        await ihd.close()


@asynccontextmanager
async def bleak_central(
    workdir: Path, meter: MeterUnderAttack, answers: PairingAnswers, name: str
) -> AsyncIterator[tuple[BleakClient, OpenRadio]]:
    """A central on the IHD's own radio stack (bleak over Bumble), connected, not paired."""
    await meter.free()
    radio = await open_radio(
        RadioSpec.parse(f"virtual:{meter.port}"), data_dir=workdir / name, pairing=answers
    )
    try:
        scout = MeterLink(
            radio.backend,
            emit=lambda *_a, **_k: None,
            on_metering=lambda _u: None,
            on_message=lambda _u: None,
            on_history=lambda _u: None,
        )
        found = await scout.find_meter(TIMEOUT)
        client = BleakClient(found.device, **radio.backend.client_kwargs)
        await asyncio.wait_for(client.connect(), TIMEOUT)
        try:
            yield client, radio
        finally:
            with contextlib.suppress(BleakError, TimeoutError):
                await client.disconnect()
    finally:
        await radio.close()


async def prove_meter(client: BleakClient, segmenter: Segmenter) -> str:
    """Run the display's handshake on a paired bleak client (as the DEMO display); the session
    id its replies must carry."""
    messages: asyncio.Queue[bytes] = asyncio.Queue()
    reassembler = Reassembler()
    messages_uuid = gatt_profile.characteristic("Messages to IHD").uuid

    def on_value(_characteristic: Any, data: bytearray) -> None:
        unit = reassembler.feed(bytes(data))
        if unit is not None:
            messages.put_nowait(unit)

    async def send(unit: bytes) -> None:
        for segment in segmenter.segment(unit):
            await client.write_gatt_char(
                gatt_profile.characteristic(_IHD_TO_METER).uuid, segment, response=True
            )

    await client.start_notify(messages_uuid, on_value)
    info = bytes(await client.read_gatt_char(gatt_profile.characteristic("Meter Info").uuid))
    counter = iter(range(1, 1_000_000))
    result, verified = await check_handshake(
        info,
        identity=load_identity(demo_pki_dir(), "ihd"),
        trust=TrustStore.from_directory(demo_trust_dir()),
        policy=Policy.from_file(default_policy_path()),
        next_counter=lambda: next(counter),
        send=send,
        messages=messages,
        messages_uuid=messages_uuid,
        wait_s=TIMEOUT,
    )
    if verified is None:
        raise AssertionError(f"the meter did not prove itself: {result.reason}")
    return verified.session


def _bumble_device_of(radio: OpenRadio) -> Device:
    device = radio.backend.client_kwargs["bumble_device"]
    assert isinstance(device, Device)
    return device


def _first(transfer_id: int, declared: int, payload: bytes, *, last: bool = False) -> bytes:
    control = FLAG_FIRST | transfer_id | (0x40 if last else 0)
    return bytes((control, 0)) + declared.to_bytes(2, "little") + payload


def _continuation(transfer_id: int, index: int, payload: bytes) -> bytes:
    return bytes((transfer_id, index)) + payload


def _genuine_notice(meter: MeterRuntime, text: str) -> bytes:
    """A genuine, DNO-signed planned-outage notice for this meter (what the forgeries start
    from: :func:`meter_emulator.attacks.forgery.genuine`)."""
    now = meter.wall_now()
    payload, _ = compose(
        MessageRequest(
            "outage.planned",
            message_id=int(now.timestamp()) % 0xFFFFFF + 1,
            text=text,
            importance=Importance.MEDIUM,
            at=now,
        )
    )
    context = AttackContext(
        identities=meter.identity_of,
        target=meter.meter_id,
        now=now,
        counter=meter.next_counter(meter.identity_of("dno")),
        payload=payload,
    )
    return genuine(context)


async def _att_error(operation: Callable[[], Any]) -> int | None:
    """Run one GATT operation; the ATT error code it was refused with, ``None`` if it worked."""
    try:
        await asyncio.wait_for(operation(), TIMEOUT)
    except BumbleAttError as error:
        return error.att_error_code
    except core.ProtocolError as error:
        return int(error.error_code)
    return None


def _tally(row: Row, codes: Sequence[int | None], expected: int) -> Row:
    row.attempts += len(codes)
    row.refused += sum(1 for c in codes if c == expected)
    row.accepted += sum(1 for c in codes if c is None)
    shown = sorted({"accepted" if c is None else f"0x{c:02X}" for c in codes})
    row.observed = f"ATT {', '.join(shown)} ×{len(codes)}"
    return row


# ---------------------------------------------------------------------------------------------
# 1. The attack console's 15 forgeries, straight to the display


async def console_attacks(
    meter: MeterUnderAttack, ihd: IhdService, ihd_events: EventWaiter
) -> list[Row]:
    """Launch every attack of the console; each must come back refused with its reason."""
    records = meter.runtime.attacks.launch_all()
    with contextlib.suppress(TimeoutError):
        await meter.events.wait_count("attack.refused", len(records), timeout=TIMEOUT * 2)
    rejected = ihd_events.named("message.rejected")
    rows = []
    for record in records:
        row = Row(f"console: {record.name}", f"refused: {record.expected}", attempts=1)
        row.observed = f"refused: {record.reason}" if record.reason else "no answer"
        row.refused = int(record.reason == record.expected and not record.accepted)
        row.accepted = int(record.accepted)
        rows.append(row)
    # The display's own count: one security-log entry per forgery, and the only message it
    # accepted is the genuine original the replay copied.
    if len(rejected) != len(records) or len(ihd.security_log()) != len(records):
        rows[-1].observed += f" (display logged {len(ihd.security_log())} refusals)"
        rows[-1].refused = 0
    shown = ihd_events.named("message.accepted")
    if len(shown) > 1:
        rows[-1].accepted += len(shown) - 1
    return rows


# ---------------------------------------------------------------------------------------------
# 2-3. Truncated floods and oversized units, toward the display (indications)


async def indication_attacks(
    meter: MeterUnderAttack, ihd: IhdService, ihd_events: EventWaiter, count: int
) -> list[Row]:
    """Partial units indicated on Messages to IHD, orphan continuations, oversized FIRST
    segments; then a genuine message on the same link."""
    assert meter.runtime.server is not None
    assert ihd.link is not None
    device = meter.device
    (connection,) = device.connections.values()
    characteristic = meter.runtime.server.characteristic(_MESSAGES)

    def stats() -> ReassemblyStats:
        assert ihd.link is not None
        return ihd.link.reassembly_stats[_MESSAGES]

    async def indicate(value: bytes) -> None:
        await asyncio.wait_for(
            device.indicate_subscriber(connection, characteristic, value, force=True), TIMEOUT
        )

    chunk = bytes(connection.att_mtu - 3 - 4)
    before = stats()
    errors_before = len(ihd_events.named("link.segment-error"))
    peak = 0
    # A FIRST segment and one continuation, never the rest: each next FIRST drops the last one.
    for n in range(count):
        await indicate(_first(n % 16, FLOOD_DECLARED_BYTES, chunk))
        for index in range(1, FLOOD_DEPTH + 1):
            await indicate(_continuation(n % 16, index, chunk))
            peak = max(peak, stats().buffered_bytes)
    # Continuations of units that never started (or of another transfer).
    for n in range(count):
        await indicate(_continuation((n + 7) % 16, 2 + n % 200, chunk))
        peak = max(peak, stats().buffered_bytes)
    orphan_errors = len(ihd_events.named("link.segment-error")) - errors_before
    # Oversized: a FIRST segment declaring more than the limit, refused before buffering.
    oversize_codes: list[bool] = []
    for n in range(count):
        declared = OVERSIZE_DECLARED[n % len(OVERSIZE_DECLARED)]
        seen = len(ihd_events.named("link.segment-error", reason="oversize"))
        await indicate(_first(n % 16, declared, chunk))
        refused = len(ihd_events.named("link.segment-error", reason="oversize")) == seen + 1
        oversize_codes.append(refused and stats().buffered_bytes == 0)
    # Genuine traffic afterwards, on the same link, through the same reassembler.
    accepted_before = len(ihd_events.named("message.accepted"))
    await meter.runtime.send_envelope(_genuine_notice(meter.runtime, "After the flood."))
    await ihd_events.wait_count("message.accepted", accepted_before + 1, timeout=TIMEOUT)
    after = stats()

    units = after.units - before.units  # the genuine one only
    dropped = after.dropped - before.dropped
    bounded = units == 1 and peak <= FLOOD_DECLARED_BYTES and after.buffered_bytes == 0
    flood = Row(
        "truncated indications (flood)",
        f"each partial unit forgotten, ≤ {FLOOD_DECLARED_BYTES} B buffered, genuine gets through",
        f"{dropped} partial units ({count * (FLOOD_DEPTH + 1) * len(chunk)} B) dropped, peak "
        f"{peak} B buffered, {after.buffered_bytes} B left, genuine accepted: {units == 1}",
        attempts=count,
        # The last partial is dropped by the genuine message's FIRST segment.
        refused=min(count, dropped) if bounded else 0,
        accepted=max(0, units - 1),
    )
    orphans = Row(
        "orphan continuation indications",
        "refused: malformed, nothing buffered",
        f"{orphan_errors} refused (link.segment-error)",
        attempts=count,
        refused=min(count, orphan_errors),
    )
    oversize = Row(
        "oversized reassembly (indication)",
        f"refused: oversize (> {MAX_UNIT_BYTES} B), nothing buffered",
        f"{sum(oversize_codes)} refused: oversize, 0 B buffered",
        attempts=count,
        refused=sum(oversize_codes),
    )
    return [flood, orphans, oversize]


# ---------------------------------------------------------------------------------------------
# 2-3. Truncated floods and oversized units, toward the meter (writes of a paired central)


async def write_attacks(workdir: Path, meter: MeterUnderAttack, count: int) -> list[Row]:
    """A paired display that writes partial units, orphan continuations and oversized FIRST
    segments to IHD to Meter; then a genuine signed reply on the same link."""
    server = meter.runtime.server
    assert server is not None
    uuid = gatt_profile.characteristic(_IHD_TO_METER).uuid
    async with bleak_central(workdir, meter, AutoAccept(), "hostile-display") as (client, _radio):
        await asyncio.wait_for(client.pair(), TIMEOUT)
        mtu = client.mtu_size
        chunk = bytes(mtu - 3 - 4)

        def stats() -> ReassemblyStats:
            (one,) = server.reassembly_stats
            return one

        async def write(value: bytes) -> int | None:
            return await _att_error(lambda: client.write_gatt_char(uuid, value, response=True))

        before = stats()
        peak = 0
        flood_codes = []
        for n in range(count):
            flood_codes.append(await write(_first(n % 16, FLOOD_DECLARED_BYTES, chunk)))
            for index in range(1, FLOOD_DEPTH + 1):
                flood_codes.append(await write(_continuation(n % 16, index, chunk)))
                peak = max(peak, stats().buffered_bytes)
        orphan_codes = [
            await write(_continuation((n + 7) % 16, 2 + n % 200, chunk)) for n in range(count)
        ]
        oversize_codes = []
        for n in range(count):
            code = await write(_first(n % 16, OVERSIZE_DECLARED[n % len(OVERSIZE_DECLARED)], chunk))
            oversize_codes.append(code if stats().buffered_bytes == 0 else None)
        # Genuine traffic on the same link: the handshake, then a reply signed by the display's
        # identity in its session.
        handshake_start = stats().units
        session = await prove_meter(client, Segmenter(mtu))
        handshake_units = stats().units - handshake_start
        signer = ReplySigner(
            load_identity(demo_pki_dir(), "ihd"),
            meter.runtime.meter_id,
            session,
            lambda: None,
            lambda _counter: None,
            lambda: datetime.now(UTC),
        )
        reply = signer.error(Reason.MALFORMED, "attack-suite", "attack-suite")
        genuine_codes = [await write(s) for s in Segmenter(mtu).segment(reply)]
        await meter.events.wait("error.received", timeout=TIMEOUT, refers_to="attack-suite")
        after = stats()
    segment_errors = meter.events.named("ihd.segment-error")
    units = after.units - before.units - handshake_units  # the hello is not the reply
    dropped = after.dropped - before.dropped
    flood_ok = (
        all(c is None for c in flood_codes + genuine_codes)
        and units == 1
        and after.buffered_bytes == 0
    )
    flood = Row(
        "truncated writes (flood)",
        f"each partial unit forgotten, ≤ {FLOOD_DECLARED_BYTES} B buffered, genuine gets through",
        f"{dropped} partial units ({count * (FLOOD_DEPTH + 1) * len(chunk)} B) dropped, peak "
        f"{peak} B buffered, {after.buffered_bytes} B left, signed reply verified: {units == 1}",
        attempts=count,
        refused=min(count, dropped) if flood_ok and peak <= FLOOD_DECLARED_BYTES else 0,
        accepted=max(0, units - 1),
    )
    orphans = _tally(
        Row(
            "orphan continuation writes",
            f"refused: ATT 0x{ATT_ERROR_UNIT_REFUSED:02X}, malformed",
        ),
        orphan_codes,
        ATT_ERROR_UNIT_REFUSED,
    )
    orphans.observed += f", meter: {sum(1 for e in segment_errors if e['reason'] == 'malformed')}"
    orphans.observed += " malformed"
    oversize = _tally(
        Row(
            "oversized reassembly (write)",
            f"refused: ATT 0x{ATT_ERROR_UNIT_REFUSED:02X}, oversize, nothing buffered",
        ),
        oversize_codes,
        ATT_ERROR_UNIT_REFUSED,
    )
    oversized = sum(1 for e in segment_errors if e["reason"] == "oversize")
    oversize.observed += f", meter: {oversized} oversize"
    oversize.refused = min(oversize.refused, oversized)
    return [flood, orphans, oversize]


# ---------------------------------------------------------------------------------------------
# 4. Unpaired access


async def _bleak_accesses(client: BleakClient) -> list[int | None]:
    """Read every characteristic, write IHD to Meter, subscribe to the three that notify."""
    codes = []
    for spec in gatt_profile.CHARACTERISTICS:
        codes.append(await _att_error(lambda uuid=spec.uuid: client.read_gatt_char(uuid)))
    uuid = gatt_profile.characteristic(_IHD_TO_METER).uuid
    first = _first(0, 3, b"abc", last=True)
    codes.append(await _att_error(lambda: client.write_gatt_char(uuid, first, response=True)))
    for name in _SUBSCRIBABLE:
        uuid = gatt_profile.characteristic(name).uuid
        codes.append(await _att_error(lambda uuid=uuid: client.start_notify(uuid, _ignore)))
    return codes


def _ignore(*_args: object) -> None:
    return None


async def unpaired_access(workdir: Path) -> list[Row]:
    """A central that connects and never pairs: every access refused with 0x05."""
    async with (
        running_meter(workdir / "unpaired") as meter,
        bleak_central(workdir / "unpaired", meter, RejectAll(), "stranger") as (client, _radio),
    ):
        codes = await _bleak_accesses(client)
        row = _tally(
            Row(
                "unpaired access (read, write, subscribe)",
                "refused: ATT 0x05 Insufficient Authentication",
            ),
            codes,
            INSUFFICIENT_AUTHENTICATION,
        )
        if meter.runtime.server is not None and meter.runtime.server.subscriptions:
            row.accepted += len(meter.runtime.server.subscriptions)
    return [row]


# ---------------------------------------------------------------------------------------------
# 5. A numeric comparison rejected on either side


async def wrong_comparison(workdir: Path) -> list[Row]:
    """Pairing where the person at the display, then the one at the meter, says the numbers
    differ: pairing fails on both sides, no bond on either, access still refused."""
    policy = ScriptedMeterPolicy()
    row = Row(
        "pairing with a rejected numeric comparison",
        "fails on both sides, no bond, access refused (0x05)",
    )
    observed = []
    async with running_meter(workdir / "comparison", policy) as meter:
        for side, answers, meter_accepts in (
            ("display says no", RejectAll(), True),
            ("meter says no", AutoAccept(), False),
        ):
            policy.accept = meter_accepts
            failures = len(meter.events.named("pairing.failed"))
            name = side.replace(" ", "-")
            async with bleak_central(workdir / "comparison", meter, answers, name) as (
                client,
                radio,
            ):
                row.attempts += 1
                try:
                    await asyncio.wait_for(client.pair(), TIMEOUT)
                    display_failed = False
                except BleakError:
                    display_failed = True
                await meter.events.wait_count("pairing.failed", failures + 1, timeout=TIMEOUT)
                code = await _att_error(
                    lambda: client.read_gatt_char(gatt_profile.characteristic("Meter Info").uuid)
                )
                display_bonds = await _bumble_device_of(radio).keystore.get_all()
                meter_bonds = await meter.bonds()
            paired = meter.events.named("link.paired")
            refused = (
                display_failed
                and not paired
                and not display_bonds
                and meter_bonds == 0
                and code == INSUFFICIENT_AUTHENTICATION
            )
            row.refused += int(refused)
            row.accepted += int(bool(paired) or code is None)
            observed.append(
                f"{side}: display {'failed' if display_failed else 'PAIRED'}, meter "
                f"pairing.failed, bonds {len(display_bonds)}/{meter_bonds}, read 0x{code or 0:02X}"
            )
    row.observed = "; ".join(observed)
    return [row]


# ---------------------------------------------------------------------------------------------
# 6. Downgrade to unauthenticated pairing


@asynccontextmanager
async def raw_central(
    workdir: Path, meter: MeterUnderAttack, *, sc: bool
) -> AsyncIterator[tuple[Device, Connection, Peer]]:
    """A hostile Bumble central with no display and no input, offering pairing without MITM
    protection (LE Secure Connections or legacy), connected to the meter, services found."""
    await meter.free()
    transport = await open_transport(f"tcp-client:127.0.0.1:{meter.port}")
    try:
        device = build_bumble_device(
            transport.source,
            transport.sink,
            name="downgrader",
            address=IHD_ADDRESS,
            keystore_path=workdir / f"downgrader-{'sc' if sc else 'legacy'}.json",
            pairing=AutoAccept(),
            io_capability=IoCapability.NO_OUTPUT_NO_INPUT,
            allow_just_works=True,
        )
        delegate = AnswersPairingDelegate(
            AutoAccept(), io_capability=IoCapability.NO_OUTPUT_NO_INPUT, allow_just_works=True
        )
        device.pairing_config_factory = lambda _connection: PairingConfig(
            sc=sc,
            mitm=False,
            bonding=True,
            delegate=delegate,
            identity_address_type=PairingConfig.AddressType.RANDOM,
        )
        await asyncio.wait_for(device.power_on(), TIMEOUT)
        address = hci.Address(str(meter.device.static_address), hci.Address.RANDOM_DEVICE_ADDRESS)
        connection = await asyncio.wait_for(device.connect(address), TIMEOUT)
        peer = Peer(connection)
        await asyncio.wait_for(peer.discover_services(), TIMEOUT)
        await asyncio.wait_for(peer.discover_characteristics(), TIMEOUT)
        try:
            yield device, connection, peer
        finally:
            if connection.handle in device.connections:
                with contextlib.suppress(core.BaseBumbleError, TimeoutError):
                    await asyncio.wait_for(connection.disconnect(), TIMEOUT)
            await device.power_off()
    finally:
        await transport.close()


async def _raw_accesses(peer: Peer) -> list[int | None]:
    """As :func:`_bleak_accesses`, on a plain Bumble central."""
    proxies = {}
    for spec in gatt_profile.CHARACTERISTICS:
        (proxies[spec.name],) = peer.get_characteristics_by_uuid(core.UUID(spec.uuid))
    codes = []
    for proxy in proxies.values():
        codes.append(await _att_error(lambda proxy=proxy: peer.read_value(proxy)))
    first = _first(0, 3, b"abc", last=True)
    writable = proxies[_IHD_TO_METER]
    codes.append(await _att_error(lambda: peer.write_value(writable, first, with_response=True)))
    for name in _SUBSCRIBABLE:
        proxy, notify = proxies[name], name != _MESSAGES
        codes.append(
            await _att_error(
                lambda proxy=proxy, notify=notify: peer.subscribe(
                    proxy, _ignore, prefer_notify=notify
                )
            )
        )
    return codes


async def downgrade(workdir: Path) -> list[Row]:
    """Just Works offered (SC and legacy): refused. Then an unauthenticated key planted in both
    key stores: the link encrypts, and every access is still refused with 0x05."""
    offer = Row(
        "downgrade: pairing without MITM (Just Works, SC and legacy)",
        "pairing refused, no bond",
    )
    observed = []
    async with running_meter(workdir / "downgrade") as meter:
        for sc in (True, False):
            failures = len(meter.events.named("pairing.failed"))
            central = raw_central(workdir / "downgrade", meter, sc=sc)
            async with central as (_device, connection, _peer):
                offer.attempts += 1
                try:
                    await asyncio.wait_for(connection.pair(), TIMEOUT)
                    failed = False
                except (core.ProtocolError, core.BaseBumbleError):
                    failed = True
                event = await meter.events.wait_count(
                    "pairing.failed", failures + 1, timeout=TIMEOUT
                )
                reason = event[-1]["reason"]
            bonds = await meter.bonds()
            offer.refused += int(failed and bonds == 0 and not meter.events.named("link.paired"))
            offer.accepted += int(not failed)
            observed.append(f"{'SC' if sc else 'legacy'}: refused ({reason})")
        offer.observed = "; ".join(observed) + f", meter bonds {await meter.bonds()}"

        # An unauthenticated long-term key, as a Just Works pairing would have left behind.
        access = Row(
            "downgrade: link encrypted with an unauthenticated key",
            "link encrypts, every access refused: ATT 0x05",
        )
        async with raw_central(workdir / "downgrade", meter, sc=True) as (device, connection, peer):
            keys = PairingKeys(ltk=PairingKeys.Key(value=bytes(range(16)), authenticated=False))
            (meter_side,) = meter.device.connections.values()
            assert meter.device.keystore is not None
            assert device.keystore is not None
            await meter.device.keystore.update(str(meter_side.peer_address), keys)
            await device.keystore.update(str(connection.peer_address), keys)
            encrypted_before = len(meter.events.named("link.encrypted"))
            await asyncio.wait_for(connection.encrypt(), TIMEOUT)
            (encrypted,) = (await meter.events.wait_count("link.encrypted", encrypted_before + 1))[
                encrypted_before:
            ]
            link_encrypted = connection.is_encrypted
            codes = await _raw_accesses(peer)
        _tally(access, codes, INSUFFICIENT_AUTHENTICATION)
        if not link_encrypted or encrypted["authenticated"] is not False:
            access.refused = 0  # the link must really be encrypted, and known unauthenticated
        access.observed = (
            f"encrypted: yes, meter: authenticated={encrypted['authenticated']}; " + access.observed
        )
    return [offer, access]


# ---------------------------------------------------------------------------------------------
# The suite


async def run_suite(workdir: Path, *, flood: int = 100) -> list[Row]:
    """Run every family of attacks; ``flood`` partial units (and orphans, and oversized FIRST
    segments) per direction."""
    rows: list[Row] = []
    async with running_meter(workdir / "console") as meter:
        async with running_display(workdir / "console", meter) as (ihd, ihd_events):
            rows += await console_attacks(meter, ihd, ihd_events)
            rows += await indication_attacks(meter, ihd, ihd_events, flood)
        rows += await write_attacks(workdir / "console", meter, flood)
    rows += await unpaired_access(workdir)
    rows += await wrong_comparison(workdir)
    rows += await downgrade(workdir)
    return rows


def format_table(rows: Sequence[Row]) -> str:
    """The report: one line per attack, then the totals."""
    header = ("attack", "expected", "observed", "attempts", "refused", "accepted")
    lines = [header] + [
        (r.attack, r.expected, r.observed, str(r.attempts), str(r.refused), str(r.accepted))
        for r in rows
    ]
    total = (
        "total",
        "",
        "",
        str(sum(r.attempts for r in rows)),
        str(sum(r.refused for r in rows)),
        str(sum(r.accepted for r in rows)),
    )
    lines.append(total)
    widths = [max(len(line[i]) for line in lines) for i in range(3)]
    out = []
    for n, line in enumerate(lines):
        text = "  ".join(line[i].ljust(widths[i]) for i in range(3))
        out.append(f"{text}  {line[3]:>8}  {line[4]:>7}  {line[5]:>8}")
        if n == 0 or n == len(lines) - 2:
            out.append("-" * len(out[-1]))
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the suite, print the table; 1 if any attempt was not refused."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.attacks", description=__doc__)
    parser.add_argument(
        "--flood", type=int, default=100, help="partial units per flood (default 100)"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the rows as JSON")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="attack-suite-") as tmp:
        rows = asyncio.run(run_suite(Path(tmp), flood=args.flood))
    print(format_table(rows))
    failed = [r for r in rows if not r.ok]
    for row in failed:
        print(f"NOT REFUSED: {row.attack}: {row.observed}", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in rows], indent=2))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
