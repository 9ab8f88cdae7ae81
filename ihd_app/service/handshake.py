"""The display's side of the link's handshake (:mod:`ihd_app.protocol.session`): a signed hello
answering the meter's challenge, the meter's signed proof checked against the trust store, the
nonce and the meter id Meter Info claimed, and its certificate against the one pinned when the
display paired. Until it passes, the link uses nothing the meter sends and the display signs
nothing for it but the hello (which names the meter's challenge, so it is worth nothing on any
other connection)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NoReturn

from ihd_app.link.errors import MeterNotTrustedError
from ihd_app.link.handshake import HandshakeExchange, VerifiedMeter
from ihd_app.link.meter_info import MeterInfo
from ihd_app.protocol.envelope import parse_envelope
from ihd_app.protocol.errors import DecodeError
from ihd_app.protocol.message_types import Flow
from ihd_app.protocol.pki import Identity, TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.session import (
    HANDSHAKE_CLOCK_SKEW_S,
    PROOF,
    REFUSED,
    FreshByChallenge,
    HandshakeFailure,
    Proof,
    new_token,
    read_answer,
    sign_hello,
)
from ihd_app.protocol.verification import Verifier


def _answer_type(unit: bytes) -> str | None:
    try:
        return parse_envelope(unit).claims.type
    except DecodeError:
        return None


class DisplayHandshake:
    """Implements :class:`ihd_app.link.handshake.Handshake` for the display.

    Args:
        identity: The display's identity (signs the hello).
        trust: The trust store the meter's certificate must chain to.
        policy: The authorisation policy (only a ``meter`` may answer).
        next_counter: The display's next originator counter.
        pinned: Hex fingerprint of the certificate of the meter this display paired with
            (``None`` before the first handshake with it).
        emit: Where DESIGN.md §8 events go.
        clock: The display's own clock.
        meter_time: Told how far the meter's time, as its proof signs it, is ahead of
            ``clock`` (seconds; negative: behind) once the proof verifies.
    """

    def __init__(
        self,
        identity: Identity,
        trust: TrustStore,
        policy: Policy,
        *,
        next_counter: Callable[[], int],
        pinned: Callable[[], str | None],
        emit: Callable[..., Any],
        clock: Callable[[], datetime],
        meter_time: Callable[[float], None] = lambda _ahead_s: None,
    ) -> None:
        self._identity = identity
        self._trust = trust
        self._policy = policy
        self._next_counter = next_counter
        self._pinned = pinned
        self._emit = emit
        self._clock = clock
        self._meter_time = meter_time

    @classmethod
    def standalone(
        cls, identity: Identity, trust: TrustStore, policy: Policy, emit: Callable[..., Any]
    ) -> DisplayHandshake:
        """A handshake for tools that are not a display with a data dir (the conformance
        runner, benchmarks): no pinned certificate, and a counter from the clock."""
        last = [0]

        def next_counter() -> int:
            last[0] = max(last[0] + 1, time.time_ns() // 1_000_000)
            return last[0]

        return cls(
            identity,
            trust,
            policy,
            next_counter=next_counter,
            pinned=lambda: None,
            emit=emit,
            clock=lambda: datetime.now(UTC),
        )

    async def run(self, info: MeterInfo, exchange: HandshakeExchange) -> VerifiedMeter:
        """Prove the meter; see :class:`ihd_app.link.handshake.Handshake`."""
        if len(info.challenge) != 16:
            self._refuse(HandshakeFailure.UNPROVEN, "Meter Info carries no handshake challenge")
        nonce = new_token()
        hello = sign_hello(
            self._identity,
            info.meter_id,
            self._next_counter(),
            challenge=info.challenge.hex(),
            nonce=nonce,
            now=self._clock(),
        )
        await exchange.send(hello)
        self._emit("session.hello", meter_id=info.meter_id)
        # Its own counters: the meter's messages queued before the proof carry lower counters
        # than the proof and must not be taken for replays when they follow it.
        verifier = Verifier(
            self._trust,
            self._policy,
            FreshByChallenge(),
            {self._identity.entity_id},
            flows=(Flow.SESSION,),
            clock=self._clock,
            clock_skew_s=HANDSHAKE_CLOCK_SKEW_S,
        )
        while True:
            unit = await exchange.receive()
            if _answer_type(unit) not in (PROOF, REFUSED):
                continue  # a message the meter had queued: handed on if the meter is proven
            exchange.consumed(unit)
            verdict = verifier.verify(unit)
            if verdict.reason is not None:
                self._refuse(
                    HandshakeFailure.UNPROVEN,
                    f"its answer was refused ({verdict.reason.value}): {verdict.detail}",
                )
            answer = read_answer(verdict, nonce=nonce, claimed_meter_id=info.meter_id)
            if answer is None:
                continue  # a genuine answer to an earlier hello
            if not isinstance(answer, Proof):
                self._refuse(
                    answer.failure,
                    answer.detail,
                    forget_bond=answer.failure is HandshakeFailure.NOT_COMMISSIONED,
                )
            pinned = self._pinned()
            if pinned is not None and pinned != answer.fingerprint:
                self._refuse(
                    HandshakeFailure.CERTIFICATE_CHANGED,
                    f"the meter's certificate {answer.fingerprint[:16]} is not the pinned "
                    f"{pinned[:16]}",
                )
            # Signed moments ago by a proven meter (the proof answers this hello's nonce): the
            # one time the display may go by when its own clock is off.
            self._meter_time(answer.issued_at - self._clock().timestamp())
            self._emit(
                "session.verified",
                meter_id=answer.meter_id,
                session=answer.session,
                certificate=answer.fingerprint[:16],
            )
            return VerifiedMeter(
                answer.meter_id, answer.session, answer.fingerprint, answer.certificate_der
            )

    def _refuse(
        self, failure: HandshakeFailure, detail: str, *, forget_bond: bool = False
    ) -> NoReturn:
        self._emit("link.untrusted", reason=failure.value, detail=detail)
        raise MeterNotTrustedError(
            f"{failure.explanation} ({detail})", failure.value, forget_bond=forget_bond
        )
