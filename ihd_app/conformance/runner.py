"""``ihd conformance``: play the display against any device claiming the meter's profile.

The runner opens the radio with :func:`ihd_app.link.radios.open_radio` (virtual air, a Bumble
dongle, or the operating system's Bluetooth with the BlueZ agent) and speaks bleak's API through
the same :class:`~ihd_app.link.meter_link.LinkBackend` that
:class:`~ihd_app.link.meter_link.MeterLink` uses. It does not use ``MeterLink`` itself: the
facade pairs before anything else and refuses a non-conforming meter at the first error, while a
conformance run must touch the device unpaired first, and keep going after a failure to say what
else is wrong.

One run, in order (each step feeds the named checks of :mod:`ihd_app.conformance.checks`; the
steps are in :mod:`~ihd_app.conformance.connection_checks`,
:mod:`~ihd_app.conformance.handshake_check`, :mod:`~ihd_app.conformance.message_checks`,
:mod:`~ihd_app.conformance.data_checks` and :mod:`~ihd_app.conformance.device_log_check`; what
they share is in :mod:`~ihd_app.conformance.run_state`):

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
   **segmentation**;
7. with the main link closed, connect again as a display the device has not commissioned (an
   identity chaining to the trust store but not on the device's HAN device log, the DEMO PKI's
   ``ihd-2`` by default) and run its handshake; then connect a third time without pairing:
   **device-log** (:mod:`~ihd_app.conformance.device_log_check`).

A check with nothing to judge (no message sent by the device within the wait) is *skipped* with a
sentence saying how to exercise it, never failed.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bleak import BleakClient
from bleak.exc import BleakError

from ihd_app.conformance.checks import CHECKS, judge_meter_info, skipped
from ihd_app.conformance.config import ConformanceConfig
from ihd_app.conformance.connection_checks import check_security, connect, scan
from ihd_app.conformance.data_checks import (
    check_history,
    check_metering,
    check_segmentation,
)
from ihd_app.conformance.device_log_check import check_device_log
from ihd_app.conformance.handshake_check import check_handshake
from ihd_app.conformance.message_checks import check_messages, judge_replay_counter
from ihd_app.conformance.report import ConformanceReport
from ihd_app.conformance.run_state import (
    Channel,
    RunState,
    Stop,
    characteristic_uuid,
    describe_error,
)
from ihd_app.link.meter_link import LinkBackend
from ihd_app.link.pairing import AutoAccept
from ihd_app.link.radios import open_radio
from ihd_app.protocol.radio_spec import RadioKind, RadioSpec


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
        self._monotonic = monotonic
        self._run_state = RunState(backend, config, monotonic)

    async def run(self) -> ConformanceReport:
        """Run every check; never raises for a device's misbehaviour."""
        run = self._run_state
        started = self._monotonic()
        why_not = "an earlier step failed"
        try:
            await self._run()
        except Stop as stop:
            why_not = str(stop)
        except (BleakError, EOFError, OSError, TimeoutError) as exc:
            why_not = f"the link failed: {describe_error(exc)}"
        finally:
            client, run.client = run.client, None
            if client is not None:
                with contextlib.suppress(BleakError, OSError, TimeoutError, EOFError):
                    await client.disconnect()
        if "handshake" in run.results:
            try:
                await check_device_log(run)
            except (BleakError, EOFError, OSError, TimeoutError) as exc:
                why_not = f"the link failed: {describe_error(exc)}"
        results = [
            run.results.get(check.name) or skipped(check.name, f"Not run: {why_not}.")
            for check in CHECKS
        ]
        return ConformanceReport(
            results, run.device, self._backend.name, self._monotonic() - started
        )

    async def _run(self) -> None:
        run = self._run_state
        device = run.target = await scan(run)
        client = await connect(run, device)
        await check_security(run, client)
        info_value = bytes(await client.read_gatt_char(characteristic_uuid("Meter Info")))
        result, run.info = judge_meter_info(info_value)
        run.record(result)
        if run.info is not None:
            run.device["meter_id"] = run.info.meter_id
        window_start = await self._subscribe(client)
        result, verified = await check_handshake(
            info_value,
            identity=run.config.identity,
            trust=run.config.trust,
            policy=run.config.policy,
            next_counter=run.next_counter,
            send=lambda unit: run.write_unit(client, unit),
            messages=run.channels["Messages to IHD"].queue,
            messages_uuid=characteristic_uuid("Messages to IHD"),
            wait_s=run.config.message_wait_s,
        )
        run.record(result)
        if verified is not None:
            run.session = verified.session
            run.meter_certificate = verified.certificate_der
            run.device["meter_id"] = verified.meter_id
        await check_messages(run, client)
        await check_history(run, client)
        window_end = window_start + run.config.report_seconds
        # An observation window, not synchronisation: readings are counted over it.
        await asyncio.sleep(max(0.0, window_end - self._monotonic()))
        check_metering(run, window_start, self._monotonic())
        judge_replay_counter(run)
        await check_segmentation(run, client)

    async def _subscribe(self, client: BleakClient) -> float:
        run = self._run_state
        start = self._monotonic()
        for name in ("Metering", "Messages to IHD", "History"):
            channel = Channel()
            run.channels[name] = channel
            try:
                await client.start_notify(
                    characteristic_uuid(name), channel.listener(self._monotonic)
                )
            except BleakError as exc:
                channel.errors.append(f"subscribing failed: {describe_error(exc)}")
            if name == "Metering":
                start = self._monotonic()
        return start


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


__all__ = ["ConformanceRunner", "run_conformance"]
