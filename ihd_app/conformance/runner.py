"""``ihd conformance``: play the display against any device claiming the meter's profile.

The runner opens the radio with :func:`ihd_app.link.radios.open_radio` (virtual air, a Bumble
dongle, or the operating system's Bluetooth with the BlueZ agent) and speaks bleak's API through
the same :class:`~ihd_app.link.meter_link.LinkBackend` that
:class:`~ihd_app.link.meter_link.MeterLink` uses. It does not use ``MeterLink`` itself: the
facade pairs before anything else and refuses a non-conforming meter at the first error, while a
conformance run must touch the device unpaired first, and keep going after a failure to say what
else is wrong.

One run, in order (each step feeds the named checks of :mod:`ihd_app.conformance.checks`):

1. scan for the device (``--address``, else the first advertising the service UUID or the name
   prefix): **advertising**;
2. connect without pairing, discover: **gatt-service**; read Meter Info, write IHD to Meter and
   subscribe to Metering unpaired, each must be refused with ATT error 0x05 (or 0x0F), then pair
   (LE Secure Connections, numeric comparison accepted automatically): **security**;
3. read Meter Info: **meter-info**; subscribe to Metering, Messages to IHD and History; run the
   display's handshake (a signed hello answering Meter Info's challenge, the meter's signed
   proof verified): **handshake** - a meter serves nothing before it, and every reply after it
   names its session;
4. wait (bounded, ``message_wait_s``) for an envelope on Messages to IHD and verify it with the
   trust store and policy: **message**, and across every envelope of the run: **replay-counter**;
   answer it with an IHD-signed receipt and MessageConfirmation (the demo PKI's ``ihd``
   identity by default): **message-receipt**, **message-confirmation** (the ATT write response
   is the meter's confirmation that it holds the reply, as for the display's outbox);
5. write a signed GetProfile and wait for History: **history**;
6. after the metering window (``report_seconds``): **metering**; write a segment continuing a
   unit that never started, which must be refused, and look back at every reassembly:
   **segmentation**.

A check with nothing to judge (no message sent by the device within the wait) is *skipped* with a
sentence saying how to exercise it, never failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from bleak.exc import BleakError, BleakGATTProtocolError

from ihd_app.conformance.checks import (
    CHECKS,
    CheckResult,
    DiscoveredCharacteristic,
    MeterInfoValue,
    Status,
    failed,
    judge_advertising,
    judge_history,
    judge_meter_info,
    judge_metering,
    judge_service,
    passed,
    skipped,
)
from ihd_app.conformance.handshake_check import check_handshake
from ihd_app.link.meter_link import LinkBackend
from ihd_app.link.pairing import AutoAccept
from ihd_app.link.radios import open_radio
from ihd_app.protocol import gatt_profile
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.pki import Identity, TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.radio_spec import RadioKind, RadioSpec
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir, demo_trust_dir
from ihd_app.protocol.segmentation.reassembler import Reassembler
from ihd_app.protocol.segmentation.segmenter import Segmenter
from ihd_app.protocol.verification import Verdict, Verifier
from ihd_app.protocol.zcl import Endpoint
from ihd_app.service.replies import ReplySigner

_CCCD_UUID = "00002902-0000-1000-8000-00805f9b34fb"
#: ATT errors that mean "not secure enough" (the profile answers 0x05; 0x0F is tolerated).
_SECURITY_ERRORS = frozenset(
    {
        gatt_profile.ATT_ERROR_INSUFFICIENT_AUTHENTICATION,
        gatt_profile.ATT_ERROR_INSUFFICIENT_ENCRYPTION,
    }
)
#: A continuation segment (transfer 1, index 1) with no unit in progress: always refused.
STRAY_SEGMENT = bytes([0x01, 0x01, 0x00])
#: Seconds to wait, once the device is heard, for its scan response (the name).
_SCAN_RESPONSE_WAIT_S = 2.0


def _uuid(name: str) -> str:
    return gatt_profile.characteristic(name).uuid


@dataclass
class ConformanceConfig:
    """How to run the checks.

    Attributes:
        address: The device's Bluetooth address; ``None``: the first device advertising the
            profile.
        scan_timeout_s: How long to look for it.
        connect_timeout_s: How long connecting (and pairing) may take.
        report_interval_s: How often the device should send a reading per fuel.
        report_seconds: How long Metering is watched.
        message_wait_s: How long to wait for an envelope on Messages to IHD.
        history_wait_s: How long to wait for History after a GetProfile request.
        history_periods: Half hours asked for.
        identity: Who the runner signs the display's replies as.
        trust: The trust store envelopes are verified against.
        policy: The authorisation policy.
        probe_unauthenticated: Try unpaired access (off for the system radio, whose stack pairs
            by itself on Insufficient Authentication).
    """

    address: str | None = None
    scan_timeout_s: float = 10.0
    connect_timeout_s: float = 30.0
    report_interval_s: float = 1.0
    report_seconds: float = 10.0
    message_wait_s: float = 10.0
    history_wait_s: float = 5.0
    history_periods: int = 4
    identity: Identity = field(default_factory=lambda: load_identity(demo_pki_dir(), "ihd"))
    trust: TrustStore = field(default_factory=lambda: TrustStore.from_directory(demo_trust_dir()))
    policy: Policy = field(default_factory=lambda: Policy.from_file(default_policy_path()))
    probe_unauthenticated: bool = True


@dataclass
class ConformanceReport:
    """The outcome of a run.

    Attributes:
        results: One per check, in :data:`~ihd_app.conformance.checks.CHECKS` order.
        device: What was tested (address, name).
        radio: The radio used.
        seconds: How long the run took.
    """

    results: list[CheckResult]
    device: dict[str, object]
    radio: str
    seconds: float

    @property
    def ok(self) -> bool:
        """No check failed (skipped ones do not count)."""
        return all(r.status is not Status.FAIL for r in self.results)

    def result(self, name: str) -> CheckResult:
        """The result of the check ``name``."""
        return next(r for r in self.results if r.name == name)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form (``--json``)."""
        counts = {s.value: sum(r.status is s for r in self.results) for s in Status}
        return {
            "ok": self.ok,
            "radio": self.radio,
            "device": self.device,
            "seconds": round(self.seconds, 3),
            "summary": counts,
            "checks": [r.to_dict() for r in self.results],
        }


def att_error_code(error: BaseException) -> int | None:
    """The ATT error code of a failed GATT operation, when the backend reports one."""
    code = getattr(error, "att_error_code", None)
    if isinstance(code, int):
        return code
    if isinstance(error, BleakGATTProtocolError) and isinstance(error.args[0], int):
        return int(error.args[0])
    return None


def _describe_error(error: BaseException) -> str:
    code = att_error_code(error)
    return f"ATT error 0x{code:02X}" if code is not None else (str(error) or type(error).__name__)


@dataclass
class _Channel:
    """What arrived on one subscribed characteristic."""

    reassembler: Reassembler = field(default_factory=Reassembler)
    units: list[tuple[float, bytes]] = field(default_factory=list)
    queue: asyncio.Queue[bytes] = field(default_factory=asyncio.Queue)
    errors: list[str] = field(default_factory=list)
    segments_in_unit: int = 0
    most_segments: int = 0


class _Stop(Exception):
    """Later checks cannot run; the reason is in the result already recorded."""


class ConformanceRunner:
    """One run of the checks against one device.

    Args:
        backend: The radio, as for MeterLink.
        config: What to check and how long to wait.
        monotonic: The clock cadence is measured with.
    """

    def __init__(
        self,
        backend: LinkBackend,
        config: ConformanceConfig,
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._backend = backend
        self._config = config
        self._monotonic = monotonic
        self._results: dict[str, CheckResult] = {}
        self._device: dict[str, object] = {}
        self._client: BleakClient | None = None
        self._channels: dict[str, _Channel] = {}
        self._info: MeterInfoValue | None = None
        self._verdicts: list[Verdict] = []
        self._verifier: Verifier | None = None
        self._counter = 0
        self._session: str | None = None
        self._segmenter = Segmenter()

    def _record(self, result: CheckResult) -> None:
        self._results.setdefault(result.name, result)

    async def run(self) -> ConformanceReport:
        """Run every check; never raises for a device's misbehaviour."""
        started = self._monotonic()
        why_not = "an earlier step failed"
        try:
            await self._run()
        except _Stop as stop:
            why_not = str(stop)
        except (BleakError, EOFError, OSError, TimeoutError) as exc:
            why_not = f"the link failed: {_describe_error(exc)}"
        finally:
            client, self._client = self._client, None
            if client is not None:
                with contextlib.suppress(BleakError, OSError, TimeoutError, EOFError):
                    await client.disconnect()
        results = [
            self._results.get(check.name) or skipped(check.name, f"Not run: {why_not}.")
            for check in CHECKS
        ]
        return ConformanceReport(
            results, self._device, self._backend.name, self._monotonic() - started
        )

    async def _run(self) -> None:
        device = await self._scan()
        client = await self._connect(device)
        await self._security(client)
        info_value = bytes(await client.read_gatt_char(_uuid("Meter Info")))
        result, self._info = judge_meter_info(info_value)
        self._record(result)
        if self._info is not None:
            self._device["meter_id"] = self._info.meter_id
        window_start = await self._subscribe(client)
        result, verified = await check_handshake(
            info_value,
            identity=self._config.identity,
            trust=self._config.trust,
            policy=self._config.policy,
            next_counter=self._next_counter,
            send=lambda unit: self._write_unit(client, unit),
            messages=self._channels["Messages to IHD"].queue,
            messages_uuid=_uuid("Messages to IHD"),
            wait_s=self._config.message_wait_s,
        )
        self._record(result)
        if verified is not None:
            self._session = verified.session
            self._device["meter_id"] = verified.meter_id
        await self._messages(client)
        await self._history(client)
        window_end = window_start + self._config.report_seconds
        # An observation window, not synchronisation: readings are counted over it.
        await asyncio.sleep(max(0.0, window_end - self._monotonic()))
        self._judge_metering(window_start, self._monotonic())
        self._judge_replay_counter()
        await self._segmentation(client)

    # -- 1. advertising --------------------------------------------------------------------------

    async def _scan(self) -> BLEDevice:
        config = self._config
        loop = asyncio.get_running_loop()
        heard: asyncio.Future[None] = loop.create_future()
        complete = asyncio.Event()
        latest: dict[str, Any] = {}
        wanted = config.address.upper() if config.address else None

        def detected(device: BLEDevice, adv: AdvertisementData) -> None:
            uuids = {u.lower() for u in adv.service_uuids}
            name = adv.local_name or device.name or ""
            if wanted is not None:
                match = device.address.upper() == wanted
            else:
                match = gatt_profile.SERVICE_UUID in uuids or name.startswith(
                    gatt_profile.ADVERTISED_NAME_PREFIX
                )
            if not match or latest.get("address", device.address) != device.address:
                return
            latest.update(device=device, address=device.address, name=name, uuids=uuids)
            if not heard.done():
                heard.set_result(None)
            if name and gatt_profile.SERVICE_UUID in uuids:
                complete.set()

        async with BleakScanner(detected, **self._backend.scanner_kwargs):
            try:
                await asyncio.wait_for(heard, config.scan_timeout_s)
            except TimeoutError:
                who = (
                    f"device {config.address}"
                    if config.address
                    else "device advertising the profile"
                )
                self._record(
                    failed(
                        "advertising",
                        f"no {who} was heard on {self._backend.name} within "
                        f"{config.scan_timeout_s:g} s.",
                    )
                )
                raise _Stop("the device was not found") from None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(complete.wait(), _SCAN_RESPONSE_WAIT_S)
        self._device.update(address=latest["address"], name=latest["name"])
        self._record(judge_advertising(latest["name"], latest["uuids"]))
        device: BLEDevice = latest["device"]
        return device

    # -- 2. service and security -----------------------------------------------------------------

    async def _connect(self, device: BLEDevice) -> BleakClient:
        client = BleakClient(
            device, timeout=self._config.connect_timeout_s, **self._backend.client_kwargs
        )
        try:
            await client.connect()
        except (BleakError, TimeoutError, OSError) as exc:
            self._record(failed("gatt-service", f"connecting failed: {_describe_error(exc)}."))
            raise _Stop("the device could not be connected") from None
        self._client = client
        service = client.services.get_service(gatt_profile.SERVICE_UUID)
        discovered = []
        if service is not None:
            for characteristic in service.characteristics:
                discovered.append(
                    DiscoveredCharacteristic(
                        uuid=str(characteristic.uuid).lower(),
                        properties=frozenset(characteristic.properties),
                        has_cccd=any(
                            str(d.uuid).lower() == _CCCD_UUID for d in characteristic.descriptors
                        ),
                    )
                )
        system = self._backend.name == "system"
        self._record(judge_service(service is not None, discovered, check_cccd=not system))
        if service is None:
            raise _Stop("the profile's service is missing")
        return client

    async def _refused_unpaired(self, what: str, attempt: Callable[[], Any]) -> str | None:
        """``None`` when ``attempt`` was refused as the profile says; else the problem."""
        try:
            await attempt()
        except BleakError as exc:
            code = att_error_code(exc)
            if code is None or code in _SECURITY_ERRORS:
                return None
            return f"{what} over an unpaired link was refused with ATT error 0x{code:02X}, not 0x05"
        return f"{what} succeeded over an unpaired link (expected ATT error 0x05)"

    async def _security(self, client: BleakClient) -> None:
        problems: list[str] = []
        probed = self._config.probe_unauthenticated
        if probed:
            for what, attempt in (
                ("reading Meter Info", lambda: client.read_gatt_char(_uuid("Meter Info"))),
                (
                    "writing IHD to Meter",
                    lambda: client.write_gatt_char(
                        _uuid("IHD to Meter"), Segmenter().segment(b"")[0], response=True
                    ),
                ),
                (
                    "subscribing to Metering",
                    lambda: client.start_notify(_uuid("Metering"), lambda _c, _d: None),
                ),
            ):
                problem = await self._refused_unpaired(what, attempt)
                if problem is not None:
                    problems.append(problem)
                    if what.startswith("subscribing"):
                        with contextlib.suppress(BleakError):
                            await client.stop_notify(_uuid("Metering"))
        try:
            await client.pair()
        except NotImplementedError:
            pass  # CoreBluetooth: the OS pairs by itself at the first protected access
        except BleakError as exc:
            self._record(failed("security", f"pairing failed: {_describe_error(exc)}."))
            raise _Stop("the device could not be paired") from None
        security = self._backend.security(client)
        if not (security.encrypted and security.authenticated):
            problems.append("pairing did not give an encrypted link with an authenticated key")
        if self._backend.name != "system" and not security.secure_connections:
            problems.append("the key is not from LE Secure Connections pairing")
        if problems:
            self._record(failed("security", "; ".join(problems) + "."))
            return
        unpaired = (
            "unpaired reads, writes and subscriptions were refused"
            if probed
            else "unpaired access not probed (the system radio pairs by itself)"
        )
        self._record(
            passed(
                "security",
                f"{unpaired}; paired with LE Secure Connections and MITM protection.",
                bonded=security.bonded,
                key_size=security.key_size,
            )
        )

    # -- 3. subscriptions ------------------------------------------------------------------------

    async def _subscribe(self, client: BleakClient) -> float:
        start = self._monotonic()
        for name in ("Metering", "Messages to IHD", "History"):
            channel = _Channel()
            self._channels[name] = channel
            try:
                await client.start_notify(_uuid(name), self._on_value(name, channel))
            except BleakError as exc:
                channel.errors.append(f"subscribing failed: {_describe_error(exc)}")
            if name == "Metering":
                start = self._monotonic()
        return start

    def _on_value(self, name: str, channel: _Channel) -> Callable[[Any, bytearray], None]:
        def on_value(_characteristic: Any, data: bytearray) -> None:
            channel.segments_in_unit += 1
            try:
                unit = channel.reassembler.feed(bytes(data))
            except DecodeError as exc:
                channel.segments_in_unit = 0
                channel.errors.append(f"{exc.reason.value}: {exc.detail}")
                return
            if unit is None:
                return
            channel.most_segments = max(channel.most_segments, channel.segments_in_unit)
            channel.segments_in_unit = 0
            channel.units.append((self._monotonic(), unit))
            channel.queue.put_nowait(unit)

        return on_value

    async def _write_unit(self, client: BleakClient, unit: bytes) -> None:
        self._segmenter.mtu = client.mtu_size
        for segment in self._segmenter.segment(unit):
            await client.write_gatt_char(_uuid("IHD to Meter"), segment, response=True)

    def _next_counter(self) -> int:
        self._counter = max(self._counter + 1, time.time_ns() // 1_000_000)
        return self._counter

    def _signer(self) -> ReplySigner | None:
        if self._info is None:
            return None

        def last() -> int | None:
            return self._counter or None

        def save(counter: int) -> None:
            self._counter = counter

        return ReplySigner(
            self._config.identity,
            self._info.meter_id,
            self._session,
            last,
            save,
            lambda: datetime.now(UTC),
        )

    # -- 4. messages -----------------------------------------------------------------------------

    def _verify(self, envelope: bytes) -> Verdict:
        if self._verifier is None:
            targets = {self._config.identity.entity_id}
            if self._info is not None:
                targets.add(self._info.meter_id)
            self._verifier = Verifier(
                self._config.trust,
                self._config.policy,
                InMemoryReplayCounters(),
                targets,
                flows=(Flow.TO_IHD,),
            )
        verdict = self._verifier.verify(envelope)
        self._verdicts.append(verdict)
        return verdict

    async def _messages(self, client: BleakClient) -> None:
        channel = self._channels["Messages to IHD"]
        wait = self._config.message_wait_s
        try:
            envelope = await asyncio.wait_for(channel.queue.get(), wait)
        except TimeoutError:
            reason = (
                f"No envelope was indicated on Messages to IHD within {wait:g} s; make the device "
                "send one (e.g. meter-emulator --send FILE, or a board signing with "
                "'meter-emulator sign') to exercise it."
            )
            if channel.errors:
                reason = (
                    f"No complete envelope arrived on Messages to IHD within {wait:g} s "
                    f"({channel.errors[0]})."
                )
            self._record(skipped("message", reason))
            for name in ("replay-counter", "message-receipt", "message-confirmation"):
                self._record(skipped(name, "Not exercised: no envelope arrived (see 'message')."))
            return
        verdict = self._verify(envelope)
        if not verdict.accepted:
            assert verdict.reason is not None
            self._record(
                failed(
                    "message",
                    f"the envelope indicated was refused: {verdict.reason.value}: "
                    f"{verdict.detail}.",
                    bytes=len(envelope),
                )
            )
            because = "The device's envelope did not verify, so a display would not send this."
            self._record(skipped("message-receipt", because))
            self._record(skipped("message-confirmation", because))
            return
        message = verdict.message
        assert message is not None
        command = message.unit.command if message.unit is not None else None
        message_id = getattr(command, "message_id", 0)
        fuel = message.unit.endpoint if message.unit is not None else Endpoint.ELECTRICITY
        key = message.claims.token_id.hex()
        signer = self._signer()
        if signer is None:
            because = "Meter Info gave no meter id to address the display's replies to."
            self._record(skipped("message-receipt", because))
            self._record(skipped("message-confirmation", because))
            return
        await self._reply(
            client, "message-receipt", "receipt", signer.receipt(message_id, key, fuel)
        )
        await self._reply(
            client,
            "message-confirmation",
            "MessageConfirmation",
            signer.confirmation(message_id, key, fuel, datetime.now(UTC)),
        )

    async def _reply(self, client: BleakClient, check: str, what: str, envelope: bytes) -> None:
        try:
            await self._write_unit(client, envelope)
        except BleakError as exc:
            self._record(
                failed(
                    check,
                    f"the meter refused the display's signed {what} with {_describe_error(exc)} "
                    "instead of confirming it.",
                )
            )
            return
        self._record(
            passed(check, f"the signed {what} ({len(envelope)} bytes) was confirmed by the meter.")
        )

    def _judge_message(self) -> None:
        refused = [v for v in self._verdicts if not v.accepted and v.reason is not Reason.REPLAY]
        accepted = [v for v in self._verdicts if v.accepted]
        if refused:
            first = refused[0]
            assert first.reason is not None
            self._record(
                failed(
                    "message",
                    f"an envelope indicated was refused: {first.reason.value}: {first.detail}.",
                )
            )
        elif accepted:
            message = accepted[0].message
            assert message is not None
            self._record(
                passed(
                    "message",
                    f"{len(accepted)} envelope(s) verified, the first {message.message_type.name} "
                    f"from {message.claims.issuer} ({message.role.value}).",
                    envelopes=len(self._verdicts),
                )
            )

    def _judge_replay_counter(self) -> None:
        channel = self._channels.get("Messages to IHD")
        if channel is not None:
            # Envelopes that arrived after the first (a copy of it, a second message).
            while not channel.queue.empty():
                self._verify(channel.queue.get_nowait())
        self._judge_message()
        replays = [v for v in self._verdicts if v.reason is Reason.REPLAY]
        if replays:
            self._record(
                failed(
                    "replay-counter",
                    f"{len(replays)} of {len(self._verdicts)} envelopes repeated an originator "
                    f"counter: {replays[0].detail}.",
                )
            )
        elif any(v.accepted for v in self._verdicts):
            self._record(
                passed(
                    "replay-counter",
                    f"{len(self._verdicts)} envelope(s), each counter above the last accepted.",
                )
            )
        else:
            self._record(skipped("replay-counter", "No verified envelope to judge."))

    # -- 5. history ------------------------------------------------------------------------------

    async def _history(self, client: BleakClient) -> None:
        signer = self._signer()
        if signer is None:
            self._record(
                skipped("history", "Meter Info gave no meter id to address the request to.")
            )
            return
        periods = self._config.history_periods
        request = signer.history_request(Endpoint.ELECTRICITY, datetime.now(UTC), periods)
        channel = self._channels["History"]
        try:
            await self._write_unit(client, request)
        except BleakError as exc:
            self._record(
                failed("history", f"the GetProfile request was refused: {_describe_error(exc)}.")
            )
            return
        wait = self._config.history_wait_s
        try:
            unit = await asyncio.wait_for(channel.queue.get(), wait)
        except TimeoutError:
            self._record(
                failed(
                    "history",
                    f"no GetProfileResponse arrived on History within {wait:g} s of a signed "
                    f"GetProfile for {periods} half hours.",
                )
            )
            return
        self._record(judge_history(unit, periods))

    # -- 6. metering and segmentation -------------------------------------------------------------

    def _judge_metering(self, start: float, end: float) -> None:
        channel = self._channels["Metering"]
        if channel.errors and not channel.units:
            self._record(failed("metering", f"Metering: {channel.errors[0]}."))
            return
        fuels = self._info.fuels if self._info is not None else ()
        self._record(
            judge_metering(
                channel.units,
                fuels,
                start=start,
                end=end,
                interval_s=self._config.report_interval_s,
            )
        )

    async def _segmentation(self, client: BleakClient) -> None:
        for name, channel in self._channels.items():
            errors = [e for e in channel.errors if not e.startswith("subscribing")]
            if errors:
                self._record(
                    failed(
                        "segmentation",
                        f"a unit on {name} could not be reassembled: {errors[0]}.",
                        errors=len(errors),
                    )
                )
                return
        try:
            await client.write_gatt_char(_uuid("IHD to Meter"), STRAY_SEGMENT, response=True)
        except BleakError as exc:
            refused = _describe_error(exc)
        else:
            self._record(
                failed(
                    "segmentation",
                    "the meter accepted a segment continuing a unit that never started "
                    "(expected ATT error 0x80).",
                )
            )
            return
        units = sum(len(c.units) for c in self._channels.values())
        most = max((c.most_segments for c in self._channels.values()), default=0)
        self._record(
            passed(
                "segmentation",
                f"{units} units reassembled (the longest in {most} segment(s)); a stray "
                f"continuation segment was refused with {refused}.",
                units=units,
                most_segments=most,
            )
        )


async def run_conformance(
    spec: RadioSpec,
    config: ConformanceConfig,
    *,
    passkey: int | None = None,
    btsnoop: Path | None = None,
) -> ConformanceReport:
    """Open the radio ``spec`` names, run every check, close the radio.

    Bonds are kept in a fresh temporary directory, so every run pairs from scratch (and the
    unpaired probes are not answered by a stored key).

    Raises:
        IhdError: The radio cannot be opened.
    """
    with tempfile.TemporaryDirectory(prefix="ihd-conformance-") as data_dir:
        radio = await open_radio(
            spec,
            data_dir=Path(data_dir),
            pairing=AutoAccept(passkey=passkey),
            btsnoop=btsnoop,
            name="IHD conformance",
        )
        try:
            if spec.kind is RadioKind.SYSTEM:
                config.probe_unauthenticated = False
            return await ConformanceRunner(radio.backend, config).run()
        finally:
            await radio.close()


__all__ = [
    "STRAY_SEGMENT",
    "ConformanceConfig",
    "ConformanceReport",
    "ConformanceRunner",
    "att_error_code",
    "run_conformance",
]
