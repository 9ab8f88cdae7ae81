"""The day the screenshot run plays on the meter's side: genuine tariffs and messages from every
kind of sender, signed with the demo PKI, forgeries the display must refuse, and the GDN turning
the gas off (:mod:`ihd_app.ui.live_screenshots` pictures what the display makes of them)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.events import EventWaiter
from ihd_app.protocol.pki import Identity, load_identity
from ihd_app.protocol.resources import demo_pki_dir
from ihd_app.protocol.zcl import Endpoint, Importance
from meter_emulator.attacks.forgery import AttackContext, attack
from meter_emulator.runtime import MeterRuntime
from meter_emulator.scenarios.tou import tou_commands

#: Waiting longer than this for the stack means something is broken.
STEP_TIMEOUT_S = 60.0

#: The supplier's time-of-use tariff (meter_emulator.scenarios.tou describes the format): off-peak
#: nights, a weekday peak from 16:00 to 19:00 and a shorter one at weekends and bank holidays.
SMART_SAVER_TOU: dict[str, Any] = {
    "name": "Smart Saver TOU",
    "calendar_id": 2026,
    "tiers": [
        {"tier": 1, "label": "Off-peak", "price": 9.5},
        {"tier": 2, "label": "Day", "price": 24.86},
        {"tier": 3, "label": "Peak", "price": 38.2},
    ],
    "days": [
        {
            "id": 1,
            "schedule": [["00:00", 2], ["00:30", 1], ["07:30", 2], ["16:00", 3], ["19:00", 2]],
        },
        {
            "id": 2,
            "schedule": [["00:00", 2], ["00:30", 1], ["08:30", 2], ["17:00", 3], ["18:00", 2]],
        },
    ],
    "weeks": [{"id": 1, "days": [1, 1, 1, 1, 1, 2, 2]}],
    "seasons": [{"start": "01-01", "week": 1}],
    "special_days": [{"date": "12-25", "day": 2}, {"date": "12-26", "day": 2}],
}


class Signers:
    """Signs genuine envelopes for the meter to pass on, each signer with its own counter."""

    def __init__(self, meter_id: str) -> None:
        self.meter_id = meter_id
        self._identities: dict[str, Identity] = {}
        self._counters: dict[str, int] = {}

    def identity(self, name: str) -> Identity:
        """The demo PKI's identity ``name`` (dno, gdn, supplier, meter, rogue-dno...)."""
        if name not in self._identities:
            self._identities[name] = load_identity(demo_pki_dir(), name)
        return self._identities[name]

    def sign(self, signer: str, request: MessageRequest) -> bytes:
        """``request`` signed by ``signer``, addressed to the meter, with its next counter."""
        identity = self.identity(signer)
        counter = self._counters[signer] = self._counters.get(signer, 0) + 1
        payload, details = compose(request)
        claims = new_claims(
            identity,
            request.type_name,
            self.meter_id,
            counter,
            issued_at=datetime.now(UTC),
            details=details,
        )
        return sign_envelope(identity, claims, payload)

    def forge(self, name: str, text: str) -> bytes:
        """Attack ``name`` of the attack console on a DNO power-cut notice."""
        payload, _ = compose(MessageRequest("outage.planned", message_id=0x66, text=text))
        context = AttackContext(self.identity, self.meter_id, datetime.now(UTC), 1000, payload)
        return attack(name).build(context)


async def send_the_day(signers: Signers, meter: MeterRuntime, events: EventWaiter) -> bytes:
    """Tariffs and messages from every kind of sender; returns an accepted envelope."""
    now = datetime.now(UTC)

    async def send(signer: str, request: MessageRequest, event: str, **fields: Any) -> bytes:
        envelope = signers.sign(signer, request)
        await meter.send_envelope(envelope)
        await events.wait(event, **fields, timeout=STEP_TIMEOUT_S)
        return envelope

    # The supplier's time-of-use electricity tariff as GB displays receive it (a calendar, a
    # price matrix and a price per tier, one envelope each), then its name and standing
    # charge; a flat gas tariff likewise.
    commands = tou_commands(SMART_SAVER_TOU)
    for command in commands:
        await meter.send_envelope(
            signers.sign("supplier", MessageRequest("tariff.price", command=command))
        )
    await events.wait_count(
        "tariff.calendar-piece", len(commands), fuel="electricity", timeout=STEP_TIMEOUT_S
    )
    await events.wait("tariff.updated", fuel="electricity", timeout=STEP_TIMEOUT_S)
    standing = MessageRequest(
        "tariff.price",
        message_id=0x5102,
        standing_charge_pence_per_day=53.35,
        tariff_label="Smart Saver TOU",
    )
    await send("supplier", standing, "tariff.updated", name="Smart Saver TOU")
    gas_rate = MessageRequest(
        "tariff.price",
        message_id=0x5103,
        price_pence_per_kwh=6.24,
        rate_label="Standard",
        fuel=Endpoint.GAS,
    )
    await send("supplier", gas_rate, "tariff.updated", fuel="gas", name="Standard")
    gas_standing = MessageRequest(
        "tariff.price",
        message_id=0x5104,
        standing_charge_pence_per_day=31.65,
        tariff_label="Fixed Gas 12M",
        fuel=Endpoint.GAS,
    )
    await send("supplier", gas_standing, "tariff.updated", name="Fixed Gas 12M")

    outage_day = (now + timedelta(days=4)).replace(hour=9, minute=0, second=0, microsecond=0)
    outage = MessageRequest(
        "outage.planned",
        message_id=0x0D01,
        text=(
            f"We are upgrading the network in your street. Your power will be off on "
            f"{outage_day:%A %d %B} from 09:00 to 13:00. Please switch off sensitive equipment "
            "beforehand."
        ),
        importance=Importance.HIGH,
        confirmation_required=True,
        outage_start=outage_day,
        outage_end=outage_day + timedelta(hours=4),
    )
    await send("dno", outage, "message.displayed", id=0x0D01)
    return await _send_rest(send)


async def _send_rest(send: Callable[..., Any]) -> bytes:
    gas_works = MessageRequest(
        "gas.message",
        message_id=0x0601,
        text=(
            "Gas main replacement in Elm Road from 1 to 12 December. Your gas supply will not "
            "be interrupted; expect temporary traffic lights."
        ),
        importance=Importance.MEDIUM,
        fuel=Endpoint.GAS,
    )
    await send("gdn", gas_works, "message.displayed", id=0x0601)
    warning = MessageRequest(
        "power.threshold-warning",
        message_id=0x0A01,
        text=(
            "Your electricity use has been above 7.0 kW for 5 minutes. Switch something off "
            "to avoid the supply being limited."
        ),
        importance=Importance.MEDIUM,
        threshold_kw=7.0,
    )
    await send("meter", warning, "message.displayed", id=0x0A01)
    general = MessageRequest(
        "message.general",
        message_id=0x5201,
        text="Your annual energy statement is ready. Log in to your account to read it.",
        importance=Importance.LOW,
    )
    envelope: bytes = await send("supplier", general, "message.displayed", id=0x5201)
    return envelope


async def forge(
    signers: Signers, meter: MeterRuntime, events: EventWaiter, accepted: bytes
) -> None:
    """Forgeries the display must refuse, each with its own reason."""
    forgeries = [
        ("role-not-authorised", signers.forge("role-not-authorised", "Power cut tonight 22:00.")),
        ("bad-signature", signers.forge("bad-signature", "Power cut tonight 22:00.")),
        ("wrong-target", signers.forge("wrong-target", "Power cut tonight 22:00.")),
        ("replay", accepted),
    ]
    for reason, envelope in forgeries:
        await meter.send_envelope(envelope)
        await events.wait("message.rejected", reason=reason, timeout=STEP_TIMEOUT_S)


async def gas_off(signers: Signers, meter: MeterRuntime, events: EventWaiter) -> None:
    """The GDN turns the gas off: critical, acknowledged with a click that reaches the meter."""
    request = MessageRequest(
        "gas.supply-disabled",
        message_id=0x0602,
        text=(
            "We have turned off your gas supply because of a reported gas escape nearby. "
            "Do not turn it back on yourself. An engineer will call; if you smell gas, "
            "call 0800 111 999."
        ),
        importance=Importance.CRITICAL,
        confirmation_required=True,
        fuel=Endpoint.GAS,
    )
    await meter.send_envelope(signers.sign("gdn", request))
    await events.wait("message.displayed", id=0x0602, timeout=STEP_TIMEOUT_S)
