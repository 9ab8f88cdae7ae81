"""The display's side of the link's handshake, against answers signed with the DEMO PKI's real
keys: what it accepts, what it refuses and why, and what it hands on afterwards."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from ihd_app.link.errors import MeterNotTrustedError
from ihd_app.link.handshake import HandshakeExchange
from ihd_app.link.meter_info import MeterInfo
from ihd_app.protocol.envelope import parse_envelope
from ihd_app.protocol.pki import Identity, TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.resources import (
    default_policy_path,
    demo_pki_dir,
    demo_trust_dir,
    vectors_directory,
)
from ihd_app.protocol.session import new_token, sign_proof, sign_refusal
from ihd_app.service.handshake import DisplayHandshake
from tests.support import IHD_ID, METER_ID

MESSAGES = "messages-to-ihd"
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
CHALLENGE = bytes(range(16))


def identity(name: str) -> Identity:
    return load_identity(demo_pki_dir(), name)


def info(meter_id: str = METER_ID, challenge: bytes = CHALLENGE) -> MeterInfo:
    return MeterInfo(meter_id, "IHD-Meter 0001", ("electricity",), 1, bytes(32), challenge)


class Meter:
    """Answers the display's hello the way a meter (or an impostor) would."""

    def __init__(self, answer: str = "proof", signer: str = "meter", now: datetime = NOW) -> None:
        self.now = now
        self.exchange = HandshakeExchange(self.receive, MESSAGES)
        self.hellos: list[dict[str, object]] = []
        self.answer = answer
        self.signer = identity(signer)
        self.before: list[bytes] = []

    async def receive(self, unit: bytes) -> None:
        claims = parse_envelope(unit).claims
        self.hellos.append({"type": claims.type, "aud": claims.audience, **claims.details})
        nonce = str(claims.details["nonce"])
        for early in self.before:
            self.exchange.arrived(MESSAGES, early)
        if self.answer == "proof":
            reply = sign_proof(self.signer, IHD_ID, 5, nonce=nonce, session="s1", now=self.now)
        elif self.answer == "stale-then-proof":
            stale = sign_proof(self.signer, IHD_ID, 4, nonce=new_token(), session="s0", now=NOW)
            self.exchange.arrived(MESSAGES, stale)
            reply = sign_proof(self.signer, IHD_ID, 5, nonce=nonce, session="s1", now=NOW)
        else:
            reply = sign_refusal(
                self.signer, IHD_ID, 5, nonce=nonce, reason=Reason.NOT_COMMISSIONED, now=NOW
            )
        self.exchange.arrived(MESSAGES, reply)


def handshake(
    pinned: str | None = None,
    events: list[tuple[str, dict[str, object]]] | None = None,
    meter_time: list[float] | None = None,
) -> DisplayHandshake:
    seen = events if events is not None else []
    times = meter_time if meter_time is not None else []
    return DisplayHandshake(
        identity("ihd"),
        TrustStore.from_directory(demo_trust_dir()),
        Policy.from_file(default_policy_path()),
        next_counter=lambda: 7,
        pinned=lambda: pinned,
        emit=lambda name, **fields: seen.append((name, fields)),
        clock=lambda: NOW,
        meter_time=times.append,
    )


async def test_a_genuine_meter_is_proven_and_the_hello_answers_its_challenge() -> None:
    meter = Meter()
    events: list[tuple[str, dict[str, object]]] = []

    verified = await asyncio.wait_for(handshake(events=events).run(info(), meter.exchange), 5)

    assert verified.meter_id == METER_ID
    assert verified.session == "s1"
    assert verified.fingerprint == identity("meter").kid.hex()
    [hello] = meter.hellos
    assert hello["type"] == "session.hello"
    assert hello["aud"] == METER_ID
    assert hello["challenge"] == CHALLENGE.hex()
    assert [name for name, _ in events] == ["session.hello", "session.verified"]
    assert not meter.exchange.held, "the proof is not handed on to the message pipeline"


async def test_a_message_the_meter_queued_before_its_proof_is_handed_on_afterwards() -> None:
    meter = Meter()
    # An operator's message the meter forwarded before its proof (the DNO's outage vector).
    operator_message = (
        vectors_directory() / "envelopes" / "valid-outage-planned.cbor"
    ).read_bytes()
    meter.before = [operator_message]

    await asyncio.wait_for(handshake().run(info(), meter.exchange), 5)

    assert meter.exchange.held == [(MESSAGES, operator_message)]


async def test_an_answer_to_an_earlier_hello_is_ignored() -> None:
    meter = Meter(answer="stale-then-proof")

    verified = await asyncio.wait_for(handshake().run(info(), meter.exchange), 5)

    assert verified.session == "s1"


async def test_a_proof_signed_by_another_role_is_refused_as_unproven() -> None:
    meter = Meter(signer="supplier")
    events: list[tuple[str, dict[str, object]]] = []

    with pytest.raises(MeterNotTrustedError) as refused:
        await asyncio.wait_for(handshake(events=events).run(info(), meter.exchange), 5)

    assert refused.value.reason == "meter-unproven"
    assert "role-not-authorised" in str(refused.value)
    assert events[-1][0] == "link.untrusted"


async def test_a_proof_for_another_meter_than_meter_info_claims_is_refused() -> None:
    meter = Meter()

    with pytest.raises(MeterNotTrustedError) as refused:
        await asyncio.wait_for(
            handshake().run(info(meter_id="00-1D-A6-00-00-00-00-02"), meter.exchange), 5
        )

    assert refused.value.reason == "meter-id-mismatch"


async def test_another_certificate_on_the_pinned_bond_is_refused_with_a_reason_for_people() -> None:
    meter = Meter()

    with pytest.raises(MeterNotTrustedError) as refused:
        await asyncio.wait_for(handshake(pinned="ab" * 32).run(info(), meter.exchange), 5)

    assert refused.value.reason == "meter-certificate-changed"
    assert "pretending to be your meter" in str(refused.value)


async def test_the_meters_signed_refusal_says_the_display_is_not_commissioned() -> None:
    meter = Meter(answer="refusal")

    with pytest.raises(MeterNotTrustedError) as refused:
        await asyncio.wait_for(handshake().run(info(), meter.exchange), 5)

    assert refused.value.reason == "not-commissioned"
    assert refused.value.forget_bond, "the meter deleted its half of the bond"


async def test_a_meter_info_without_a_challenge_cannot_be_proven() -> None:
    meter = Meter()

    with pytest.raises(MeterNotTrustedError) as refused:
        await asyncio.wait_for(handshake().run(info(challenge=b""), meter.exchange), 5)

    assert refused.value.reason == "meter-unproven"
    assert not meter.hellos, "nothing is signed for a meter that cannot be proven"


async def test_the_meters_time_signed_in_its_proof_is_learnt() -> None:
    """A display whose own clock is ten minutes slow (a board without a real-time clock) learns
    the meter's time from the proof: signed by a proven meter, in answer to its fresh nonce."""
    meter = Meter(now=NOW + timedelta(minutes=10))
    learnt: list[float] = []

    await asyncio.wait_for(handshake(meter_time=learnt).run(info(), meter.exchange), 5)

    assert learnt == [600.0]


async def test_a_time_in_a_proof_that_does_not_verify_is_never_learnt() -> None:
    """A forged time: an impostor's proof (a certificate of another role) a day ahead."""
    meter = Meter(signer="supplier", now=NOW + timedelta(days=1))
    learnt: list[float] = []

    with pytest.raises(MeterNotTrustedError):
        await asyncio.wait_for(handshake(meter_time=learnt).run(info(), meter.exchange), 5)

    assert learnt == []
