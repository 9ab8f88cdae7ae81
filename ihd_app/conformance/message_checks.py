"""The conformance run's message steps: every envelope indicated on Messages to IHD verified as
the display would (**message**), no originator counter repeated or lowered (**replay-counter**),
and the display's signed receipt and MessageConfirmation confirmed by the write response
(**message-receipt**, **message-confirmation**)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bleak import BleakClient
from bleak.exc import BleakError

from ihd_app.conformance.checks import failed, passed, skipped
from ihd_app.conformance.run_state import RunState, describe_error
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.verification import Verdict, Verifier
from ihd_app.protocol.zcl import Endpoint


def verify(run: RunState, envelope: bytes) -> Verdict:
    """Verify an envelope of Messages to IHD as the display would, in the run's order."""
    if run.verifier is None:
        targets = {run.config.identity.entity_id}
        if run.info is not None:
            targets.add(run.info.meter_id)
        run.verifier = Verifier(
            run.config.trust,
            run.config.policy,
            InMemoryReplayCounters(),
            targets,
            flows=(Flow.TO_IHD,),
            session_signers=lambda _kid, _session: run.meter_certificate,
        )
    verdict = run.verifier.verify(envelope)
    run.verdicts.append(verdict)
    return verdict


async def check_messages(run: RunState, client: BleakClient) -> None:
    """Wait for an envelope, verify it and answer it (**message**, **message-receipt**,
    **message-confirmation**)."""
    channel = run.channels["Messages to IHD"]
    wait = run.config.message_wait_s
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
        run.record(skipped("message", reason))
        for name in ("replay-counter", "message-receipt", "message-confirmation"):
            run.record(skipped(name, "Not exercised: no envelope arrived (see 'message')."))
        return
    verdict = verify(run, envelope)
    if not verdict.accepted:
        assert verdict.reason is not None
        run.record(
            failed(
                "message",
                f"the envelope indicated was refused: {verdict.reason.value}: {verdict.detail}.",
                bytes=len(envelope),
            )
        )
        because = "The device's envelope did not verify, so a display would not send this."
        run.record(skipped("message-receipt", because))
        run.record(skipped("message-confirmation", because))
        return
    message = verdict.message
    assert message is not None
    command = message.unit.command if message.unit is not None else None
    message_id = getattr(command, "message_id", 0)
    fuel = message.unit.endpoint if message.unit is not None else Endpoint.ELECTRICITY
    key = message.claims.token_id.hex()
    signer = run.signer()
    if signer is None:
        because = "Meter Info gave no meter id to address the display's replies to."
        run.record(skipped("message-receipt", because))
        run.record(skipped("message-confirmation", because))
        return
    await _reply(run, client, "message-receipt", "receipt", signer.receipt(message_id, key, fuel))
    await _reply(
        run,
        client,
        "message-confirmation",
        "MessageConfirmation",
        signer.confirmation(message_id, key, fuel, datetime.now(UTC)),
    )


async def _reply(
    run: RunState, client: BleakClient, check: str, what: str, envelope: bytes
) -> None:
    try:
        await run.write_unit(client, envelope)
    except BleakError as exc:
        run.record(
            failed(
                check,
                f"the meter refused the display's signed {what} with {describe_error(exc)} "
                "instead of confirming it.",
            )
        )
        return
    run.record(
        passed(check, f"the signed {what} ({len(envelope)} bytes) was confirmed by the meter.")
    )


def _judge_message(run: RunState) -> None:
    refused = [v for v in run.verdicts if not v.accepted and v.reason is not Reason.REPLAY]
    accepted = [v for v in run.verdicts if v.accepted]
    if refused:
        first = refused[0]
        assert first.reason is not None
        run.record(
            failed(
                "message",
                f"an envelope indicated was refused: {first.reason.value}: {first.detail}.",
            )
        )
    elif accepted:
        message = accepted[0].message
        assert message is not None
        run.record(
            passed(
                "message",
                f"{len(accepted)} envelope(s) verified, the first {message.message_type.name} "
                f"from {message.claims.issuer} ({message.role.value}).",
                envelopes=len(run.verdicts),
            )
        )


def judge_replay_counter(run: RunState) -> None:
    """Verify the envelopes that arrived since and judge their counters (**replay-counter**)."""
    channel = run.channels.get("Messages to IHD")
    if channel is not None:
        # Envelopes that arrived after the first (a copy of it, a second message).
        while not channel.queue.empty():
            verify(run, channel.queue.get_nowait())
    _judge_message(run)
    replays = [v for v in run.verdicts if v.reason is Reason.REPLAY]
    if replays:
        run.record(
            failed(
                "replay-counter",
                f"{len(replays)} of {len(run.verdicts)} envelopes repeated an originator "
                f"counter: {replays[0].detail}.",
            )
        )
    elif any(v.accepted for v in run.verdicts):
        run.record(
            passed(
                "replay-counter",
                f"{len(run.verdicts)} envelope(s), each counter above the last accepted.",
            )
        )
    else:
        run.record(skipped("replay-counter", "No verified envelope to judge."))


__all__ = ["check_messages", "judge_replay_counter", "verify"]
