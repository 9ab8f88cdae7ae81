"""The conformance run's data steps: Metering reports at the report interval (**metering**), a
signed GetProfile answered on History (**history**), and every unit reassembled while a stray
segment is refused (**segmentation**)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bleak import BleakClient
from bleak.exc import BleakError

from ihd_app.conformance.checks import failed, judge_history, judge_metering, passed, skipped
from ihd_app.conformance.run_state import RunState, characteristic_uuid, describe_error
from ihd_app.protocol.zcl import Endpoint

#: A continuation segment (transfer 1, index 1) with no unit in progress: always refused.
STRAY_SEGMENT = bytes([0x01, 0x01, 0x00])


async def check_history(run: RunState, client: BleakClient) -> None:
    """Write a signed GetProfile and wait for History (**history**)."""
    signer = run.signer()
    if signer is None:
        run.record(skipped("history", "Meter Info gave no meter id to address the request to."))
        return
    periods = run.config.history_periods
    request = signer.history_request(Endpoint.ELECTRICITY, datetime.now(UTC), periods)
    channel = run.channels["History"]
    try:
        await run.write_unit(client, request)
    except BleakError as exc:
        run.record(failed("history", f"the GetProfile request was refused: {describe_error(exc)}."))
        return
    wait = run.config.history_wait_s
    try:
        unit = await asyncio.wait_for(channel.queue.get(), wait)
    except TimeoutError:
        run.record(
            failed(
                "history",
                f"no GetProfileResponse arrived on History within {wait:g} s of a signed "
                f"GetProfile for {periods} half hours.",
            )
        )
        return
    run.record(judge_history(unit, periods))


def check_metering(run: RunState, start: float, end: float) -> None:
    """Judge the Metering units of the window from ``start`` to ``end`` (**metering**)."""
    channel = run.channels["Metering"]
    if channel.errors and not channel.units:
        run.record(failed("metering", f"Metering: {channel.errors[0]}."))
        return
    fuels = run.info.fuels if run.info is not None else ()
    run.record(
        judge_metering(
            channel.units,
            fuels,
            start=start,
            end=end,
            interval_s=run.config.report_interval_s,
        )
    )


async def check_segmentation(run: RunState, client: BleakClient) -> None:
    """Look back at every reassembly and write a stray segment (**segmentation**)."""
    for name, channel in run.channels.items():
        errors = [e for e in channel.errors if not e.startswith("subscribing")]
        if errors:
            run.record(
                failed(
                    "segmentation",
                    f"a unit on {name} could not be reassembled: {errors[0]}.",
                    errors=len(errors),
                )
            )
            return
    try:
        await client.write_gatt_char(
            characteristic_uuid("IHD to Meter"), STRAY_SEGMENT, response=True
        )
    except BleakError as exc:
        refused = describe_error(exc)
    else:
        run.record(
            failed(
                "segmentation",
                "the meter accepted a segment continuing a unit that never started "
                "(expected ATT error 0x80).",
            )
        )
        return
    units = sum(len(c.units) for c in run.channels.values())
    most = max((c.most_segments for c in run.channels.values()), default=0)
    run.record(
        passed(
            "segmentation",
            f"{units} units reassembled (the longest in {most} segment(s)); a stray "
            f"continuation segment was refused with {refused}.",
            units=units,
            most_segments=most,
        )
    )


__all__ = ["STRAY_SEGMENT", "check_history", "check_metering", "check_segmentation"]
