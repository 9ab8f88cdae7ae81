"""The conformance run's **handshake** check: the device must prove it is the meter Meter Info
says it is (docs/protocol.md §5.3), exactly as the display requires before it uses a link.

The display's own :class:`~ihd_app.service.handshake.DisplayHandshake` runs it, fed from the
run's Messages to IHD channel; whatever else the device indicated meanwhile goes back to the
channel for the later checks.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from ihd_app.conformance.checks import CheckResult, failed, passed
from ihd_app.link.errors import LinkError, MeterNotTrustedError
from ihd_app.link.handshake import HandshakeExchange, VerifiedMeter
from ihd_app.link.meter_info import MeterInfo
from ihd_app.protocol.pki import Identity, TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.service.handshake import DisplayHandshake

CHECK = "handshake"


async def check_handshake(
    info_value: bytes,
    *,
    identity: Identity,
    trust: TrustStore,
    policy: Policy,
    next_counter: Callable[[], int],
    send: Callable[[bytes], Awaitable[None]],
    messages: asyncio.Queue[bytes],
    messages_uuid: str,
    wait_s: float,
) -> tuple[CheckResult, VerifiedMeter | None]:
    """Run the display's handshake against the device.

    Args:
        info_value: The Meter Info value read on this connection (its challenge).
        identity: Who the hello is signed as.
        trust: The trust store the meter's certificate must chain to.
        policy: The authorisation policy.
        next_counter: The runner's next originator counter.
        send: Writes a unit to IHD to Meter.
        messages: Units indicated on Messages to IHD; those that are not the answer are put
            back, in order.
        messages_uuid: The UUID of Messages to IHD.
        wait_s: How long the device may take to answer.

    Returns:
        The result, and the proven meter (its session id goes into every reply).
    """
    try:
        info = MeterInfo.decode(info_value)
    except LinkError as exc:
        return failed(CHECK, f"Meter Info cannot start the handshake: {exc}."), None
    events: list[tuple[str, dict[str, object]]] = []
    handshake = DisplayHandshake(
        identity,
        trust,
        policy,
        next_counter=next_counter,
        pinned=lambda: None,
        emit=lambda name, **fields: events.append((name, fields)),
        clock=lambda: datetime.now(UTC),
    )
    exchange = HandshakeExchange(send, messages_uuid)

    async def pump() -> None:
        while True:
            exchange.arrived(messages_uuid, await messages.get())

    pumping = asyncio.ensure_future(pump())
    try:
        verified = await asyncio.wait_for(handshake.run(info, exchange), wait_s)
    except MeterNotTrustedError as exc:
        return failed(CHECK, f"the display would not use this device: {exc}."), None
    except TimeoutError:
        return failed(
            CHECK,
            f"no session.proof answered the display's session.hello within {wait_s:g} s "
            "(docs/protocol.md §5.3).",
        ), None
    except (LinkError, OSError) as exc:
        return failed(CHECK, f"writing the session.hello failed: {exc}."), None
    finally:
        pumping.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await pumping
        for _uuid, unit in exchange.held:
            messages.put_nowait(unit)
    return passed(
        CHECK,
        f"the device proved meter {verified.meter_id} with a meter certificate "
        f"({verified.fingerprint[:16]}…) and opened session {verified.session[:8]}….",
        meter_id=verified.meter_id,
        session=verified.session,
    ), verified
