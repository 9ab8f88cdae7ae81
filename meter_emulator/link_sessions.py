"""The meter's side of the link's handshake (:mod:`ihd_app.protocol.session`): a display's
``session.hello`` verified and answered with a signed ``session.proof`` on that link only, after
which the link is served (readings, history, messages) and the display's replies must name the
session; or, for a display the meter does not serve, a signed ``session.refused`` and the link
dropped together with its bond."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bumble.device import Connection

from ihd_app.protocol.envelope import parse_envelope
from ihd_app.protocol.errors import DecodeError, IhdError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.session import HELLO, Hello, new_token, read_hello, sign_proof, sign_refusal
from ihd_app.protocol.verification import Verifier
from meter_emulator.gatt import MeterGattServer
from meter_emulator.gatt.served_link import DisplaySession
from meter_emulator.state import MeterState

logger = logging.getLogger(__name__)


def is_hello(data: bytes) -> bool:
    """Whether a unit from the display claims to be a ``session.hello`` (unverified: it only
    decides which handler verifies it)."""
    try:
        return parse_envelope(data).claims.type == HELLO
    except DecodeError:
        return False


@dataclass(frozen=True)
class Admission:
    """Whether the meter serves a display that proved who it is.

    Attributes:
        admitted: Serve it.
        detail: Why not, for the event log.
    """

    admitted: bool
    detail: str = ""


def admit_every_display(_hello: Hello) -> Admission:
    """The meter serves any display with a valid ``ihd`` certificate (no device log)."""
    return Admission(True)


class LinkSessions:
    """Answers display handshakes.

    Args:
        identity: The meter's identity (signs the proof).
        verifier: Verifies hellos: flow ``from-ihd``, the meter's id as target, its *own*
            in-memory replay counters (a hello must not advance the display's counter past the
            replies waiting in its outbox, signed earlier and sent after the handshake).
        state: Where sessions opened are kept (a reply names one).
        server: The GATT server, once started.
        events: Where events go.
        next_counter: The meter's next originator counter.
        spawn: Runs the proof's indication in the background (the write is answered first).
        admit: Whether a display is served (the device log; default: every display).
        drop: Deletes a refused display's bond and disconnects it; whether there was a bond.
        established: Told the display id once a session is established (the meter addresses
            its own messages to it, and the store and forward looks for listeners again).
        replies: Handles a reply written on a link whose handshake is done, with the id of
            the display proven on it.
        clock: The wall clock.
    """

    def __init__(
        self,
        identity: Identity,
        verifier: Verifier,
        state: MeterState,
        server: Callable[[], MeterGattServer | None],
        events: EventLog,
        *,
        next_counter: Callable[[], int],
        spawn: Callable[[Awaitable[None], str], None],
        drop: Callable[[Connection], Awaitable[bool]],
        established: Callable[[str], None],
        replies: Callable[[bytes, str], None],
        clock: Callable[[], datetime],
        admit: Callable[[Hello], Admission] = admit_every_display,
    ) -> None:
        self._identity = identity
        self._verifier = verifier
        self._state = state
        self._server = server
        self._events = events
        self._next_counter = next_counter
        self._spawn = spawn
        self._drop = drop
        self._established = established
        self._replies = replies
        self._clock = clock
        self.admit = admit
        #: Another identity to sign proofs with, while the attack console plays a fake meter
        #: (``None``: the meter's own). A link answered so is never served.
        self.proof_signer: Identity | None = None
        #: Proofs sent and not yet confirmed, per link: the session each opens.
        self._pending: dict[Connection, tuple[Hello, DisplaySession]] = {}

    def route(self, unit: bytes, connection: Connection) -> None:
        """A unit a display wrote on ``connection``: its hello, or a reply on a link whose
        handshake is done (anything else is refused: ``wrong-session``)."""
        if is_hello(unit):
            self.on_hello(unit, connection)
            return
        server = self._server()
        display = server.session_of(connection) if server is not None else None
        if display is None and connection in self._pending:
            # The display holds the proof (only the proof tells it the session its replies
            # name) and wrote before the meter saw the proof's confirmation: the confirmation
            # and this write crossed. Served from now on.
            if not self._serve(connection):
                self._spawn(self._dropped(connection), "session-dropped")
            display = server.session_of(connection) if server is not None else None
        if display is None:
            self._events.emit(
                "ihd.rejected",
                reason=Reason.WRONG_SESSION.value,
                detail="a reply on a link whose display has not completed the handshake",
            )
            return
        self._replies(unit, display.ihd_id)

    def on_hello(self, data: bytes, connection: Connection) -> None:
        """A ``session.hello`` written on ``connection``: verify it and answer."""
        server = self._server()
        challenge = server.challenge_of(connection) if server is not None else None
        verdict = self._verifier.verify(data)
        message = verdict.message
        hello = read_hello(message) if message is not None else None
        if hello is None or challenge is None:
            self._events.emit(
                "session.rejected",
                reason=verdict.reason.value if verdict.reason else "malformed",
                detail=verdict.detail if verdict.reason else "not a well-formed hello",
            )
            return
        if hello.challenge != challenge.hex():
            # A hello recorded on another connection (or made up): no answer at all.
            self._events.emit(
                "session.rejected",
                reason="stale-challenge",
                detail=f"the hello of {hello.ihd_id} answers another connection's challenge",
            )
            return
        admission = self.admit(hello)
        now = self._clock()
        if not admission.admitted:
            refusal = sign_refusal(
                self._identity,
                hello.ihd_id,
                self._next_counter(),
                nonce=hello.nonce,
                reason=Reason.NOT_COMMISSIONED,
                now=now,
            )
            self._events.emit(
                "session.refused",
                ihd_id=hello.ihd_id,
                fingerprint=hello.fingerprint,
                reason=Reason.NOT_COMMISSIONED.value,
                detail=admission.detail,
            )
            self._spawn(self._refuse(connection, refusal), "session-refusal")
            return
        session = new_token()
        # Saved before the proof leaves: a reply bound to it must be accepted after a restart.
        self._state.open_session(hello.ihd_id, session, hello.certificate_der)
        signer = self.proof_signer or self._identity
        proof = sign_proof(
            signer,
            hello.ihd_id,
            self._next_counter(),
            nonce=hello.nonce,
            session=session,
            now=now,
        )
        if signer is not self._identity:
            # Told before the proof leaves: a display refusing it may hang up before the
            # indication is even confirmed.
            self._events.emit(
                "session.fake-proof",
                ihd_id=hello.ihd_id,
                signer=signer.entity_id,
                peer=str(connection.peer_address),
            )
        self._spawn(
            self._answer(
                connection,
                hello,
                DisplaySession(hello.ihd_id, session),
                proof,
                genuine=signer is self._identity,
            ),
            "session-proof",
        )

    def opened(self, ihd_id: str, session: str) -> bool:
        """Whether the meter opened ``session`` with display ``ihd_id`` (the reply check)."""
        return self._state.has_session(ihd_id, session)

    async def _answer(
        self,
        connection: Connection,
        hello: Hello,
        session: DisplaySession,
        proof: bytes,
        *,
        genuine: bool,
    ) -> None:
        server = self._server()
        if server is None:
            return
        if genuine:
            self._pending[connection] = (hello, session)
        try:
            await server.indicate_to(connection, proof)
        except IhdError as exc:
            self._pending.pop(connection, None)
            self._events.emit("session.failed", ihd_id=session.ihd_id, detail=str(exc))
            return
        if not genuine:
            # A fake meter's link is left unserved: a display that used it anyway would write
            # replies here, refused as wrong-session, which the attack console counts.
            return
        if connection in self._pending and not self._serve(connection):
            await self._drop(connection)

    async def _dropped(self, connection: Connection) -> None:
        await self._drop(connection)

    def _serve(self, connection: Connection) -> bool:
        """Serve the link whose proof the display holds; whether it is served (not if the
        display was taken off the device log while its proof was on the way: its next
        connection is refused with the reason)."""
        hello, session = self._pending.pop(connection)
        server = self._server()
        admission = self.admit(hello)
        if not admission.admitted:
            self._events.emit("session.failed", ihd_id=session.ihd_id, detail=admission.detail)
            return False
        # Served only once the display holds the proof: anything indicated before it would
        # reach a display still waiting for its answer.
        if server is not None and server.establish(connection, session):
            self._events.emit(
                "session.established",
                ihd_id=session.ihd_id,
                session=session.session,
                peer=str(connection.peer_address),
            )
            self._established(session.ihd_id)
            return True
        return False

    async def _refuse(self, connection: Connection, refusal: bytes) -> None:
        server = self._server()
        if server is not None:
            try:
                await server.indicate_to(connection, refusal)
            except IhdError as exc:
                logger.info("the refusal did not reach the display: %s", exc)
        peer = str(connection.peer_address)
        bond_deleted = await self._drop(connection)
        self._events.emit("session.dropped", peer=peer, bond_deleted=bond_deleted)
