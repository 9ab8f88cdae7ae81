"""The inbox state machine: arrival, display, acknowledgement, expiry, supersede, cancellation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ihd_app.core.inbox import (
    DuplicateMessageError,
    FinalMessageError,
    Inbox,
    InboxError,
    InvalidTransitionError,
    NotADisplayMessageError,
    NotOriginatorError,
    UnknownMessageError,
    message_from_verified,
)
from ihd_app.core.model import (
    Importance,
    InboxMessage,
    MessageState,
    OutboxKind,
    StateChange,
)
from ihd_app.core.readings import Fuel
from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.pki import Identity, TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.verification import VerifiedMessage, Verifier
from ihd_app.protocol.zcl import Endpoint, MessageConfirmation, decode_unit
from ihd_app.protocol.zcl import Importance as ZclImportance
from tests.support import METER_ID, NOW

Identities = Callable[[str], Identity]

DNO = "90-B3-D5-1F-30-01-00-01"
GDN = "90-B3-D5-1F-30-02-00-01"
SUPPLIER = "90-B3-D5-1F-30-03-00-01"
MINUTE = timedelta(minutes=1)
HOUR = timedelta(hours=1)


# -- helpers ------------------------------------------------------------------------------------


def make(
    key: str,
    *,
    message_id: int = 1,
    originator: str = DNO,
    importance: Importance = Importance.MEDIUM,
    confirm: bool = False,
    received: datetime = NOW,
    start: datetime | None = None,
    end: datetime | None = None,
) -> InboxMessage:
    start_at = start or received
    state = MessageState.SCHEDULED if start_at > received else MessageState.RECEIVED
    return InboxMessage(
        key=key,
        message_id=message_id,
        type="message.general",
        title="Message",
        text=f"text of {key}",
        importance=importance,
        confirmation_required=confirm,
        originator_id=originator,
        originator_name=f"Org {originator[-5:]}",
        role="dno",
        fuel=Fuel.ELECTRICITY,
        received_at=received,
        start_at=start_at,
        end_at=end,
        state=state,
        history=(StateChange(state, received, "verified"),),
    )


def inbox_of(*messages: InboxMessage) -> Inbox:
    inbox = Inbox()
    for message in messages:
        inbox = inbox.receive(message, message.received_at).inbox
    return inbox


class Sender:
    """Signs envelopes for the committed DEMO identities with increasing counters."""

    def __init__(self, identities: Identities, verifier: Verifier) -> None:
        self.identities = identities
        self.verifier = verifier
        self.counter = 0

    def envelope(self, signer: str, request: MessageRequest) -> bytes:
        self.counter += 1
        identity = self.identities(signer)
        payload, details = compose(request)
        claims = new_claims(
            identity,
            request.type_name,
            METER_ID,
            self.counter,
            issued_at=NOW - MINUTE,
            details=details,
        )
        return sign_envelope(identity, claims, payload)

    def verified(self, signer: str, request: MessageRequest) -> tuple[VerifiedMessage, bytes]:
        data = self.envelope(signer, request)
        verdict = self.verifier.verify(data)
        assert verdict.message is not None, verdict.detail
        return verdict.message, data


@pytest.fixture
def sender(identities: Identities, verifier: Verifier) -> Sender:
    return Sender(identities, verifier)


# -- message_from_verified ----------------------------------------------------------------------


def test_message_from_a_real_verified_outage_notice(sender: Sender) -> None:
    request = MessageRequest(
        "outage.planned",
        message_id=42,
        text="Power cut Tue 10:00-14:00",
        importance=ZclImportance.HIGH,
        confirmation_required=True,
        duration_minutes=120,
        outage_start=NOW + timedelta(days=2),
        outage_end=NOW + timedelta(days=2, hours=4),
    )
    verified, data = sender.verified("dno", request)

    message = message_from_verified(verified, received_at=NOW, envelope=data)

    assert message.key == verified.claims.token_id.hex()
    assert message.message_id == 42
    assert message.type == "outage.planned"
    assert message.title == "Planned power cut"
    assert message.text == "Power cut Tue 10:00-14:00"
    assert message.importance is Importance.HIGH
    assert message.confirmation_required
    assert message.originator_id == DNO == verified.signer.entity_id
    assert message.originator_name == "Northern Power Distribution"
    assert message.role == "dno"
    assert message.fuel is Fuel.ELECTRICITY
    assert message.received_at == NOW
    assert message.start_at == NOW
    assert message.end_at == NOW + timedelta(minutes=120)
    assert message.state is MessageState.RECEIVED
    assert [h.state for h in message.history] == [MessageState.RECEIVED]
    assert "Northern Power Distribution" in message.history[0].note
    assert message.details["outage"] == {
        "start": "2026-11-24T12:00:00+00:00",
        "end": "2026-11-24T16:00:00+00:00",
    }
    assert message.envelope == data
    assert message.takes_over_screen


def test_future_start_is_scheduled_and_until_changed_has_no_end(sender: Sender) -> None:
    request = MessageRequest(
        "gas.message",
        message_id=7,
        text="Gas works in your street tomorrow",
        importance=ZclImportance.LOW,
        start=NOW + 3 * HOUR,
        fuel=Endpoint.GAS,
    )
    verified, data = sender.verified("gdn", request)

    message = message_from_verified(verified, received_at=NOW, envelope=data)

    assert message.state is MessageState.SCHEDULED
    assert message.start_at == NOW + 3 * HOUR
    assert message.end_at is None
    assert message.fuel is Fuel.GAS
    assert message.importance is Importance.LOW
    assert not message.confirmation_required
    assert message.originator_name == "Midlands Gas Networks"
    assert message.role == "gdn"


def test_tariff_envelope_is_not_an_inbox_message(sender: Sender) -> None:
    verified, data = sender.verified(
        "supplier", MessageRequest("tariff.price", price_pence_per_kwh=24.5)
    )
    with pytest.raises(NotADisplayMessageError, match="PublishPrice"):
        message_from_verified(verified, received_at=NOW, envelope=data)


def test_naive_time_is_refused(sender: Sender) -> None:
    verified, data = sender.verified("dno", MessageRequest("message.general", text="Hello"))
    with pytest.raises(InboxError, match="timezone-aware"):
        message_from_verified(verified, received_at=NOW.replace(tzinfo=None), envelope=data)


def test_verified_cancel_only_from_the_originator(
    sender: Sender, verifier: Verifier, trust: TrustStore, policy: Policy
) -> None:
    verified, data = sender.verified(
        "dno", MessageRequest("message.general", message_id=5, text="Works on Friday")
    )
    inbox = Inbox().receive(message_from_verified(verified, received_at=NOW, envelope=data), NOW)
    inbox = inbox.inbox

    # The verifier asks the inbox who owns message 5: a supplier's cancel is refused there.
    guarded = Verifier(
        trust,
        policy,
        InMemoryReplayCounters(),
        {METER_ID},
        clock=lambda: NOW,
        message_owner=inbox.owner_of,
    )
    sender.verifier = guarded
    refused = guarded.verify(
        sender.envelope("supplier", MessageRequest("message.cancel", message_id=5))
    )
    assert refused.reason is Reason.ROLE_NOT_AUTHORISED
    assert DNO in refused.detail

    # Even if it got through, the inbox would refuse it.
    cancel_by_supplier, _ = Sender(sender.identities, verifier).verified(
        "supplier", MessageRequest("message.cancel", message_id=5)
    )
    with pytest.raises(NotOriginatorError):
        inbox.apply_cancel(cancel_by_supplier, NOW + MINUTE)

    own_cancel, _ = sender.verified("dno", MessageRequest("message.cancel", message_id=5))
    update = inbox.apply_cancel(own_cancel, NOW + MINUTE)
    (cancelled,) = update.changed
    assert cancelled.state is MessageState.CANCELLED
    assert cancelled.history[-1].note == "withdrawn by Northern Power Distribution"
    assert [e.name for e in update.events] == ["message.cancelled"]


def test_verified_cancel_all_with_implementation_time_now(sender: Sender) -> None:
    verified, data = sender.verified("dno", MessageRequest("message.general", text="One"))
    inbox = Inbox().receive(message_from_verified(verified, received_at=NOW, envelope=data), NOW)
    cancel_all, _ = sender.verified("dno", MessageRequest("message.cancel", cancel_all=True))
    update = inbox.inbox.apply_cancel(cancel_all, NOW + MINUTE)
    assert [m.state for m in update.changed] == [MessageState.CANCELLED]
    assert "all messages" in update.changed[0].history[-1].note


# -- receive and supersede ----------------------------------------------------------------------


def test_receive_owes_a_receipt() -> None:
    message = make("a", message_id=9)
    update = Inbox().receive(message, NOW)
    assert update.changed == (message,)
    assert update.events == ()
    (receipt,) = update.replies
    assert receipt.kind is OutboxKind.RECEIPT
    assert receipt.dedupe_key == "receipt:a"
    assert (receipt.message_id, receipt.originator_id, receipt.at) == (9, DNO, NOW)
    assert update.inbox.current() == [message]
    assert "a" in update.inbox
    assert len(update.inbox) == 1


def test_receiving_the_same_envelope_twice_is_refused() -> None:
    inbox = inbox_of(make("a"))
    with pytest.raises(DuplicateMessageError):
        inbox.receive(make("a"), NOW)


def test_same_originator_and_id_supersedes() -> None:
    warning = make("warn", message_id=3, importance=Importance.HIGH)
    inbox = inbox_of(warning)
    cleared = make("clear", message_id=3, received=NOW + MINUTE)

    update = inbox.receive(cleared, NOW + MINUTE)

    old = update.inbox.get("warn")
    assert old.state is MessageState.SUPERSEDED
    assert "clear" in old.history[-1].note
    assert old.history[-1].at == NOW + MINUTE
    assert [m.key for m in update.changed] == ["warn", "clear"]
    assert [e.name for e in update.events] == ["message.superseded"]
    assert update.inbox.current() == [cleared]
    assert update.inbox.past() == [old]


def test_another_originator_with_the_same_id_does_not_supersede() -> None:
    inbox = inbox_of(make("dno", message_id=3))
    update = inbox.receive(make("gdn", message_id=3, originator=GDN), NOW)
    assert update.inbox.get("dno").state is MessageState.RECEIVED
    assert len(update.inbox.current()) == 2


def test_a_final_message_is_not_superseded() -> None:
    inbox = inbox_of(make("old", message_id=3))
    inbox = inbox.acknowledge("old", NOW).inbox
    before = inbox.get("old")
    update = inbox.receive(make("new", message_id=3, received=NOW + MINUTE), NOW + MINUTE)
    assert update.inbox.get("old") == before
    assert [m.key for m in update.changed] == ["new"]


def test_a_stored_and_forwarded_message_that_already_ended_expires_on_arrival() -> None:
    late = make("late", received=NOW, start=NOW - 2 * HOUR, end=NOW - HOUR)
    update = Inbox().receive(late, NOW)
    assert update.inbox.get("late").state is MessageState.EXPIRED
    assert [r.kind for r in update.replies] == [OutboxKind.RECEIPT]
    assert [e.name for e in update.events] == ["message.expired"]
    times = [h.at for h in update.inbox.get("late").history]
    assert times == sorted(times), "history stays in order"


# -- time ---------------------------------------------------------------------------------------


def test_future_start_is_honoured() -> None:
    later = make("later", start=NOW + HOUR, end=NOW + 3 * HOUR)
    inbox = inbox_of(later)
    assert inbox.current() == []
    assert inbox.scheduled() == [later]
    assert inbox.tick(NOW + HOUR - MINUTE).empty
    with pytest.raises(InvalidTransitionError, match="before its start"):
        inbox.mark_displayed("later", NOW)
    with pytest.raises(InvalidTransitionError):
        inbox.acknowledge("later", NOW)

    update = inbox.tick(NOW + HOUR + MINUTE)

    shown = update.inbox.get("later")
    assert shown.state is MessageState.RECEIVED
    assert shown.history[-1] == StateChange(MessageState.RECEIVED, NOW + HOUR, "start time reached")
    assert update.events == ()
    assert update.inbox.current() == [shown]


def test_a_tick_with_nothing_to_do_keeps_the_same_inbox() -> None:
    inbox = inbox_of(make("a", end=NOW + HOUR), make("b", message_id=2, start=NOW + HOUR))
    update = inbox.tick(NOW + MINUTE)
    assert update.empty
    assert update.inbox is inbox


def test_expiry() -> None:
    inbox = inbox_of(
        make("short", message_id=1, end=NOW + HOUR),
        make("forever", message_id=2),
        make("shown", message_id=3, end=NOW + 2 * HOUR),
    )
    inbox = inbox.mark_displayed("shown", NOW).inbox
    assert inbox.tick(NOW + HOUR - MINUTE).empty

    first = inbox.tick(NOW + HOUR)
    assert [m.key for m in first.changed] == ["short"]
    assert first.changed[0].state is MessageState.EXPIRED
    assert first.changed[0].history[-1].at == NOW + HOUR
    assert [e.name for e in first.events] == ["message.expired"]

    second = first.inbox.tick(NOW + 10 * HOUR)
    assert [m.key for m in second.changed] == ["shown"]
    assert second.changed[0].history[-1].at == NOW + 2 * HOUR, "recorded when it ended"
    assert [m.key for m in second.inbox.current()] == ["forever"]


def test_scheduled_message_that_ended_unseen_expires() -> None:
    inbox = inbox_of(make("missed", start=NOW + HOUR, end=NOW + 2 * HOUR))
    update = inbox.tick(NOW + 5 * HOUR)
    missed = update.inbox.get("missed")
    assert [h.state for h in missed.history] == [
        MessageState.SCHEDULED,
        MessageState.RECEIVED,
        MessageState.EXPIRED,
    ]


# -- display and acknowledgement ----------------------------------------------------------------


def test_mark_displayed_sends_displayed_once() -> None:
    inbox = inbox_of(make("a", message_id=4))
    update = inbox.mark_displayed("a", NOW + MINUTE)
    assert update.inbox.get("a").state is MessageState.DISPLAYED
    assert [r.dedupe_key for r in update.replies] == ["displayed:a"]
    assert [e.name for e in update.events] == ["message.displayed"]
    assert update.inbox.mark_displayed("a", NOW + 2 * MINUTE).empty


def test_acknowledging_a_message_that_requires_confirmation() -> None:
    inbox = inbox_of(make("a", message_id=11, importance=Importance.CRITICAL, confirm=True))
    inbox = inbox.mark_displayed("a", NOW).inbox
    update = inbox.acknowledge("a", NOW + MINUTE)

    acknowledged = update.inbox.get("a")
    assert acknowledged.state is MessageState.ACKNOWLEDGED
    assert acknowledged.history[-1].note == "acknowledged by the consumer"
    (confirmation,) = update.replies
    assert confirmation.kind is OutboxKind.CONFIRMATION
    assert confirmation.dedupe_key == "confirmation:a"
    assert confirmation.answer_yes
    assert [e.name for e in update.events] == ["message.acknowledged"]
    assert update.inbox.takeover() is None

    payload, details = compose(confirmation.request())
    command = decode_unit(payload).command
    assert isinstance(command, MessageConfirmation)
    assert command.message_id == 11
    assert details["refers_to"] == "a"


def test_acknowledging_straight_from_received_also_reports_displayed() -> None:
    inbox = inbox_of(make("a", confirm=True))
    update = inbox.acknowledge("a", NOW, answer_yes=False)
    assert [r.kind for r in update.replies] == [OutboxKind.DISPLAYED, OutboxKind.CONFIRMATION]
    assert not update.replies[-1].answer_yes
    assert [e.name for e in update.events] == ["message.displayed", "message.acknowledged"]
    assert [h.state for h in update.inbox.get("a").history] == [
        MessageState.RECEIVED,
        MessageState.DISPLAYED,
        MessageState.ACKNOWLEDGED,
    ]
    assert update.changed == (update.inbox.get("a"),), "each key once, as it ends up"


def test_dismissing_a_message_without_confirmation_sends_no_confirmation() -> None:
    inbox = inbox_of(make("a")).mark_displayed("a", NOW).inbox
    update = inbox.acknowledge("a", NOW)
    assert update.inbox.get("a").state is MessageState.ACKNOWLEDGED
    assert update.inbox.get("a").history[-1].note == "dismissed by the consumer"
    assert update.replies == ()


@pytest.mark.parametrize("ending", ["acknowledge", "expire", "supersede", "cancel"])
def test_a_final_message_never_changes(ending: str) -> None:
    inbox = inbox_of(make("a", message_id=1, confirm=True, end=NOW + HOUR))
    if ending == "acknowledge":
        inbox = inbox.acknowledge("a", NOW).inbox
    elif ending == "expire":
        inbox = inbox.tick(NOW + HOUR).inbox
    elif ending == "supersede":
        inbox = inbox.receive(make("b", message_id=1), NOW).inbox
    else:
        inbox = inbox.cancel(1, DNO, NOW).inbox
    final = inbox.get("a")
    assert final.state.is_final

    with pytest.raises(FinalMessageError, match="final") as raised:
        inbox.acknowledge("a", NOW + 2 * HOUR)
    assert isinstance(raised.value, IhdError)
    assert raised.value.state is final.state
    with pytest.raises(FinalMessageError):
        inbox.mark_displayed("a", NOW + 2 * HOUR)
    assert inbox.get("a") == final
    assert inbox.tick(NOW + 5 * HOUR).inbox.get("a") == final


def test_unknown_key() -> None:
    with pytest.raises(UnknownMessageError):
        Inbox().acknowledge("nope", NOW)


# -- cancellation -------------------------------------------------------------------------------


def test_cancel_by_the_wrong_originator_is_refused() -> None:
    inbox = inbox_of(make("a", message_id=5))
    with pytest.raises(NotOriginatorError, match=DNO) as raised:
        inbox.cancel(5, SUPPLIER, NOW)
    assert raised.value.owners == (DNO,)
    assert inbox.get("a").state is MessageState.RECEIVED
    with pytest.raises(UnknownMessageError):
        inbox.cancel(6, DNO, NOW)


def test_cancel_touches_only_the_requesters_message_with_a_shared_id() -> None:
    inbox = inbox_of(make("dno", message_id=5), make("gdn", message_id=5, originator=GDN))
    update = inbox.cancel(5, GDN, NOW)
    assert update.inbox.get("gdn").state is MessageState.CANCELLED
    assert update.inbox.get("dno").state is MessageState.RECEIVED


def test_cancelling_a_final_message_raises() -> None:
    inbox = inbox_of(make("a", message_id=5)).acknowledge("a", NOW).inbox
    with pytest.raises(FinalMessageError):
        inbox.cancel(5, DNO, NOW)


def test_cancel_withdraws_a_scheduled_message() -> None:
    inbox = inbox_of(make("a", message_id=5, start=NOW + HOUR))
    update = inbox.cancel(5, DNO, NOW)
    assert update.inbox.get("a").state is MessageState.CANCELLED
    assert update.inbox.tick(NOW + 2 * HOUR).empty


def test_cancel_all_is_scoped_to_the_originator() -> None:
    inbox = inbox_of(
        make("d1", message_id=1),
        make("d2", message_id=2, start=NOW + HOUR),
        make("g1", message_id=1, originator=GDN),
        make("s1", message_id=9, originator=SUPPLIER),
    )
    inbox = inbox.acknowledge("d1", NOW).inbox  # final: left alone
    update = inbox.cancel_all(DNO, None, NOW + MINUTE)
    assert [m.key for m in update.changed] == ["d2"]
    assert update.inbox.get("d1").state is MessageState.ACKNOWLEDGED
    assert {m.key for m in update.inbox.current()} == {"g1", "s1"}


def test_cancel_all_in_the_future_waits_for_its_implementation_time() -> None:
    inbox = inbox_of(
        make("soon-over", message_id=1, end=NOW + 30 * MINUTE),
        make("long", message_id=2),
        make("gdn", message_id=3, originator=GDN),
    )
    update = inbox.cancel_all(DNO, NOW + HOUR, NOW)
    assert update.empty
    inbox = update.inbox
    assert len(inbox.pending_cancellations) == 1
    # Sent after the command: a newer instruction, not withdrawn by it.
    inbox = inbox.receive(make("newer", message_id=4, received=NOW + MINUTE), NOW + MINUTE).inbox

    assert inbox.tick(NOW + HOUR - MINUTE).inbox.get("long").state is MessageState.RECEIVED
    update = inbox.tick(NOW + 2 * HOUR)

    states = {m.key: m.state for m in update.inbox}
    assert states == {
        "soon-over": MessageState.EXPIRED,
        "long": MessageState.CANCELLED,
        "gdn": MessageState.RECEIVED,
        "newer": MessageState.RECEIVED,
    }
    assert update.inbox.get("long").history[-1].at == NOW + HOUR
    assert update.inbox.pending_cancellations == ()


# -- ordering -----------------------------------------------------------------------------------


def test_current_is_most_important_then_newest() -> None:
    inbox = inbox_of(
        make("low", message_id=1, importance=Importance.LOW, received=NOW + 3 * MINUTE),
        make("high-old", message_id=2, importance=Importance.HIGH, received=NOW),
        make("high-new", message_id=3, importance=Importance.HIGH, received=NOW + MINUTE),
        make("critical", message_id=4, importance=Importance.CRITICAL, received=NOW - HOUR),
        make("medium", message_id=5, importance=Importance.MEDIUM, received=NOW),
    )
    assert [m.key for m in inbox.current()] == [
        "critical",
        "high-new",
        "high-old",
        "medium",
        "low",
    ]


def test_takeover_critical_beats_high_newest_first_never_acknowledged() -> None:
    inbox = inbox_of(
        make("high-old", message_id=2, importance=Importance.HIGH, received=NOW),
        make("high-new", message_id=3, importance=Importance.HIGH, received=NOW + MINUTE),
        make("medium", message_id=5, importance=Importance.MEDIUM, received=NOW + HOUR),
    )
    assert inbox.takeover() is not None
    assert inbox.takeover().key == "high-new"  # type: ignore[union-attr]

    inbox = inbox.receive(
        make("critical", message_id=4, importance=Importance.CRITICAL, received=NOW - HOUR),
        NOW,
    ).inbox
    assert inbox.takeover().key == "critical"  # type: ignore[union-attr]

    inbox = inbox.acknowledge("critical", NOW).inbox
    inbox = inbox.acknowledge("high-new", NOW).inbox
    assert inbox.takeover().key == "high-old"  # type: ignore[union-attr]
    inbox = inbox.acknowledge("high-old", NOW).inbox
    assert inbox.takeover() is None, "a medium message never takes over the screen"


def test_past_is_newest_first() -> None:
    inbox = inbox_of(
        make("a", message_id=1, received=NOW),
        make("b", message_id=2, received=NOW + MINUTE),
    )
    inbox = inbox.acknowledge("b", NOW + HOUR).inbox.acknowledge("a", NOW + 2 * HOUR).inbox
    assert [m.key for m in inbox.past()] == ["b", "a"]


def test_owner_of() -> None:
    inbox = inbox_of(
        make("a", message_id=5),
        make("b", message_id=6),
        make("c", message_id=6, originator=GDN),
    )
    assert inbox.owner_of(5) == DNO
    assert inbox.owner_of(6) is None, "ambiguous: the inbox itself scopes the cancel"
    assert inbox.owners_of(6) == {DNO, GDN}
    assert inbox.owner_of(7) is None
    # A final message still has its owner, so nobody else can claim it.
    inbox = inbox.acknowledge("a", NOW).inbox
    assert inbox.owner_of(5) == DNO


def test_updates_chain() -> None:
    first = Inbox().receive(make("a", confirm=True), NOW)
    both = first.then(first.inbox.acknowledge("a", NOW))
    assert [m.state for m in both.changed] == [MessageState.ACKNOWLEDGED]
    assert [r.kind for r in both.replies] == [
        OutboxKind.RECEIPT,
        OutboxKind.DISPLAYED,
        OutboxKind.CONFIRMATION,
    ]


# -- invariants over random operation sequences -------------------------------------------------

_OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(["receive", "tick", "display", "ack", "cancel", "cancel_all"]),
        st.integers(0, 3),  # message id / pick
        st.sampled_from([DNO, GDN]),
        st.integers(0, 120),  # minutes to advance
        st.sampled_from(list(Importance)),
        st.sampled_from([None, 0, 30, 90]),  # start offset (minutes)
        st.sampled_from([None, 10, 60, 240]),  # duration (minutes)
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(_OPERATIONS)
def test_invariants_hold_for_any_sequence(
    operations: list[tuple[str, int, str, int, Importance, int | None, int | None]],
) -> None:
    inbox = Inbox()
    now = NOW
    finals: dict[str, InboxMessage] = {}
    for number, (op, pick, originator, advance, importance, start, duration) in enumerate(
        operations
    ):
        now += timedelta(minutes=advance)
        keys = sorted(m.key for m in inbox)
        try:
            if op == "receive":
                begin = now + timedelta(minutes=start) if start is not None else now
                end = begin + timedelta(minutes=duration) if duration is not None else None
                message = make(
                    f"k{number}",
                    message_id=pick,
                    originator=originator,
                    importance=importance,
                    received=now,
                    start=begin,
                    end=end,
                )
                update = inbox.receive(message, now)
            elif op == "tick":
                update = inbox.tick(now)
            elif op == "display" and keys:
                update = inbox.mark_displayed(keys[pick % len(keys)], now)
            elif op == "ack" and keys:
                update = inbox.acknowledge(keys[pick % len(keys)], now)
            elif op == "cancel":
                update = inbox.cancel(pick, originator, now)
            elif op == "cancel_all":
                update = inbox.cancel_all(originator, now + timedelta(minutes=start or 0), now)
            else:
                continue
        except InboxError:
            continue
        inbox = update.inbox
        for key, final in finals.items():
            assert inbox.get(key) == final, "a final message changed"
        for message in inbox:
            times = [h.at for h in message.history]
            assert times == sorted(times)
            assert message.history[-1].state is message.state
            if message.state.is_final:
                finals[message.key] = message
        live = [(m.originator_id, m.message_id) for m in inbox if not m.state.is_final]
        assert len(live) == len(set(live)), "one live message per originator and id"
        takeover = inbox.takeover()
        if takeover is not None:
            assert takeover.importance in (Importance.HIGH, Importance.CRITICAL)
            assert takeover.state.is_current
