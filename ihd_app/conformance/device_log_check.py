"""The conformance run's **device-log** check: the device serves only the displays on its HAN
device log (docs/protocol.md §5.3).

After the main run the runner connects again as a display the device has *not* commissioned (an
IHD identity chaining to the run's trust store, by default the DEMO PKI's ``ihd-2``) and runs the
display's handshake with it. The device must refuse it: no signed ``session.proof`` for that
hello (a signed ``session.refused`` is the profile's answer), the link dropped, nothing served on
Metering, History or Messages to IHD meanwhile, and the bond of that link deleted, so that a second
connection cannot encrypt with it and would have to pair again. On the ``system`` radio the bond
cannot be judged (BlueZ keeps its own record of it), so a device that does everything else right
is *skipped* there, with the reason, never passed.

The check is skipped, with a sentence saying how to exercise it, when the run has no such identity
or when the run's own display was not served (then a refusal would prove nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bleak import BleakClient
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError

from ihd_app.conformance.checks import CheckResult, Status, failed, passed, skipped
from ihd_app.conformance.run_state import Channel, RunState, characteristic_uuid, describe_error
from ihd_app.link.errors import LinkError, MeterNotTrustedError
from ihd_app.link.handshake import HandshakeExchange, VerifiedMeter
from ihd_app.link.meter_info import MeterInfo
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.session import HandshakeFailure
from ihd_app.service.handshake import DisplayHandshake

CHECK = "device-log"
#: How to exercise the check when the run has no uncommissioned display.
HOW_TO = (
    "No display identity that is not on the device's HAN device log was given; give one with "
    "--uncommissioned NAME (an IHD identity of --pki, or the DEMO PKI's ihd-2, which the meter "
    "emulator serves only with --commission ihd-2) to exercise it."
)
_SERVED = ("Metering", "History", "Messages to IHD")
_LINK_ERRORS = (BleakError, LinkError, EOFError, OSError, TimeoutError)


class _Probe:
    """One connection as the uncommissioned display: what it saw until the device hung up."""

    def __init__(self, run: RunState, target: BLEDevice) -> None:
        self.run = run
        self.dropped = asyncio.get_running_loop().create_future()
        self.channels = {name: Channel() for name in _SERVED}

        def on_disconnected(_client: BleakClient) -> None:
            if not self.dropped.done():
                self.dropped.set_result(None)

        self.client = BleakClient(
            target,
            disconnected_callback=on_disconnected,
            timeout=run.config.connect_timeout_s,
            **run.backend.client_kwargs,
        )

    async def secure(self) -> None:
        """Connect and make the link encrypted and authenticated (the main run's bond, or a
        new pairing)."""
        await self.client.connect()
        await self.run.backend.refresh_security(self.client)
        if not self.run.backend.security(self.client).authenticated:
            with contextlib.suppress(NotImplementedError):
                await self.client.pair()

    async def subscribe(self) -> None:
        for name, channel in self.channels.items():
            await self.client.start_notify(
                characteristic_uuid(name), channel.listener(self.run.monotonic)
            )

    async def close(self) -> None:
        with contextlib.suppress(*_LINK_ERRORS):
            await self.client.disconnect()


async def check_device_log(run: RunState) -> None:
    """Run the **device-log** check after the main run (whose link is closed by now)."""
    run.record(await _judge(run))


async def _judge(run: RunState) -> CheckResult:
    stranger = run.config.uncommissioned
    if stranger is None:
        return skipped(CHECK, HOW_TO)
    handshake = run.results.get("handshake")
    if run.target is None or handshake is None or handshake.status is not Status.PASS:
        return skipped(
            CHECK,
            "Not exercised: the device did not serve the run's own display (see 'handshake'), "
            "so its refusing another display would prove nothing.",
        )
    if stranger.entity_id == run.config.identity.entity_id:
        return skipped(
            CHECK,
            f"Not exercised: the uncommissioned display {stranger.entity_id} is the display the "
            "run signs as, which the device serves; give another with --uncommissioned NAME.",
        )
    probe = _Probe(run, run.target)
    try:
        return await _refused(run, probe, stranger)
    finally:
        await probe.close()


async def _refused(run: RunState, probe: _Probe, stranger: Identity) -> CheckResult:
    who = stranger.entity_id
    wait = run.config.message_wait_s
    try:
        await probe.secure()
        info = MeterInfo.decode(
            bytes(await probe.client.read_gatt_char(characteristic_uuid("Meter Info")))
        )
        await probe.subscribe()
    except _LINK_ERRORS as exc:
        return skipped(
            CHECK,
            f"Not exercised: connecting again as display {who} failed before its hello "
            f"({describe_error(exc)}).",
        )
    answer, detail = await _hello(run, probe, stranger, info)
    if isinstance(answer, VerifiedMeter):
        return failed(
            CHECK,
            f"the device answered the session.hello of display {who}, which is not on its HAN "
            f"device log, with a signed session.proof (session {answer.session[:8]}…): it must "
            "serve only commissioned displays (if it has commissioned "
            f"{who}, give --uncommissioned NAME of a display it has not).",
            ihd_id=who,
        )
    try:
        await asyncio.wait_for(asyncio.shield(probe.dropped), wait)
    except TimeoutError:
        return failed(
            CHECK,
            f"the device kept the link of display {who}, which is not on its HAN device log, "
            f"up for {wait:g} s after its hello ({detail}); it must drop it.",
            ihd_id=who,
        )
    served = {name: len(c.units) for name, c in probe.channels.items() if c.units}
    # The handshake's own answer is the one unit Messages to IHD may carry.
    if answer == "refused" and served.get("Messages to IHD", 0) <= 1:
        served.pop("Messages to IHD", None)
    if served:
        units = ", ".join(f"{count} on {name}" for name, count in served.items())
        return failed(
            CHECK,
            f"the device sent units ({units}) to display {who}, which is not on its HAN device "
            "log, before dropping its link.",
            ihd_id=who,
        )
    kept, why = await _bond_kept(run)
    if kept is None:
        return skipped(
            CHECK,
            f"The device refused display {who} ({detail}) and dropped its link, but whether it "
            f"deleted the bond could not be told: {why}.",
        )
    if kept:
        return failed(
            CHECK,
            f"the device refused display {who} and dropped its link, but kept its bond: a "
            "second connection was encrypted with it without pairing again.",
            ihd_id=who,
        )
    return passed(
        CHECK,
        f"display {who}, not on the device log, was refused ({detail}), its link dropped with "
        "nothing served, and its bond deleted (a second connection must pair again).",
        ihd_id=who,
        answer=answer,
    )


async def _hello(
    run: RunState, probe: _Probe, stranger: Identity, info: MeterInfo
) -> tuple[VerifiedMeter | str, str]:
    """The uncommissioned display's handshake: the proof, or ``"refused"`` / ``"no-answer"``
    and a sentence saying what happened."""
    messages = characteristic_uuid("Messages to IHD")
    exchange = HandshakeExchange(lambda unit: run.write_unit(probe.client, unit), messages)
    queue = probe.channels["Messages to IHD"].queue

    async def pump() -> None:
        while True:
            exchange.arrived(messages, await queue.get())

    events: list[tuple[str, dict[str, Any]]] = []
    handshake = DisplayHandshake.standalone(
        stranger,
        run.config.trust,
        run.config.policy,
        lambda name, **fields: events.append((name, fields)),
    )
    running = asyncio.ensure_future(handshake.run(info, exchange))
    pumping = asyncio.ensure_future(pump())
    try:
        done, _pending = await asyncio.wait(
            {running, probe.dropped}, timeout=run.config.message_wait_s
        )
    finally:
        pumping.cancel()
        if not running.done():
            running.cancel()
        await asyncio.gather(running, pumping, return_exceptions=True)
    if running in done and not running.cancelled():
        error = running.exception()
        if error is None:
            return running.result(), "a signed session.proof"
        if isinstance(error, MeterNotTrustedError):
            if error.reason == HandshakeFailure.NOT_COMMISSIONED.value:
                return "refused", "a signed session.refused, not-commissioned"
            return "refused", f"no proof: {error}"
        if isinstance(error, _LINK_ERRORS):
            return "no-answer", f"no answer: writing the hello ended with {describe_error(error)}"
        raise error
    if probe.dropped.done():
        return "no-answer", "no answer, the link dropped"
    return "no-answer", f"no answer within {run.config.message_wait_s:g} s"


async def _bond_kept(run: RunState) -> tuple[bool | None, str]:
    """Whether a new connection is encrypted with the refused link's bond without pairing
    (``None`` and why, when it cannot be told)."""
    if run.backend.name == "system":
        return None, (
            "BlueZ keeps its own record of the bond on the system radio; run on a Bumble radio "
            "(bumble:usb:0) to check it"
        )
    assert run.target is not None
    client = BleakClient(
        run.target, timeout=run.config.connect_timeout_s, **run.backend.client_kwargs
    )
    try:
        await client.connect()
        await run.backend.refresh_security(client)
        return run.backend.security(client).encrypted, ""
    except _LINK_ERRORS as exc:
        return None, f"connecting a second time failed ({describe_error(exc)})"
    finally:
        with contextlib.suppress(*_LINK_ERRORS):
            await client.disconnect()


__all__ = ["CHECK", "HOW_TO", "check_device_log"]
