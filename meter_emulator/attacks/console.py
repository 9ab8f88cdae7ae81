"""The attack console: one action per forgery of :mod:`meter_emulator.attacks.forgery`.

Each attack is injected **directly** to the IHD, bypassing the meter's own verification (which
would otherwise stop it before the display ever saw it: showing that the display refuses it on
its own is the point of the demonstration). It is logged as ``attack.sent {name,
expected_reason}``; when the IHD's signed error notification comes back referring to the
attack's envelope, ``attack.refused {name, reason, expected_reason, as_expected}`` shows the
reason on the meter's side. Should the IHD ever accept one (a delivery receipt for it comes
back), ``attack.accepted`` says so loudly.

The IHD refers to an envelope by its ``cti`` in hex, or, when it could not even read the claims
(malformed, oversize, unsigned), by the first 32 hex digits of its SHA-256; both are watched.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.zcl import Importance
from meter_emulator.attacks.forgery import ATTACKS, Attack, AttackContext, attack, genuine
from meter_emulator.attacks.link_demonstrations import LinkDemonstrations, MeterForDemonstrations
from meter_emulator.delivery import Outgoing, digest_key, envelope_key
from meter_emulator.operator.status import StatusTable


class MeterForAttacks(MeterForDemonstrations, Protocol):
    """What the attack console needs of the meter (:class:`meter_emulator.runtime.MeterRuntime`
    is one): besides the link demonstrations', its PKI and counters to forge with, its status
    table to replay from, and a way past its own verification to the displays."""

    @property
    def status(self) -> StatusTable: ...
    @property
    def meter_id(self) -> str: ...
    def next_counter(self, identity: Identity) -> int: ...
    def inject(self, envelope: bytes, label: str) -> Outgoing: ...


#: The order ``launch_all`` uses: an unknown signer goes before the untrusted one, because a
#: display that has once seen a certificate (even an untrusted one) then knows its key id.
DEMONSTRATION_ORDER: tuple[str, ...] = (
    "unsigned",
    "bad-signature",
    "unknown-signer",
    "untrusted-signer",
    "revoked-signer",
    "expired-certificate",
    "role-not-authorised",
    "wrong-target",
    "replay",
    "expired",
    "not-yet-valid",
    "unsupported-version",
    "unknown-command",
    "malformed",
    "oversize",
)


class AttackError(IhdError):
    """No such attack; the message names the ones there are."""


@dataclass
class AttackRecord:
    """One launched attack.

    Attributes:
        name: The attack's name.
        expected: The reason code the IHD must give.
        keys: How the IHD may refer to the forged envelope.
        sent_at: When it was launched (wall clock).
        replayed_key: For ``replay``: the key of the genuine envelope that was copied.
        reason: The reason the IHD gave, once its error notification came back.
        refused_at: The timestamp in the IHD's error notification.
        accepted: The IHD accepted it (it must never happen).
    """

    name: str
    expected: str
    keys: frozenset[str]
    sent_at: datetime
    replayed_key: str | None = None
    reason: str | None = None
    refused_at: str | None = None
    accepted: bool = False
    envelopes: tuple[bytes, ...] = field(default=(), repr=False)

    @property
    def as_expected(self) -> bool | None:
        """Whether the IHD refused it with the expected reason (``None``: no answer yet)."""
        return None if self.reason is None else self.reason == self.expected


class AttackConsole:
    """Launches forgeries at the IHD and matches its error notifications to them.

    Args:
        runtime: The running meter.
    """

    def __init__(self, runtime: MeterForAttacks) -> None:
        self._runtime = runtime
        self.records: list[AttackRecord] = []
        self._replayed: set[str] = set()
        #: The demonstrations on the link itself (uncommissioned display, fake meter).
        self.demonstrations = LinkDemonstrations(runtime)

    @staticmethod
    def available() -> tuple[Attack, ...]:
        """Every attack, in the order of the attack console's buttons."""
        by_name = {a.name: a for a in ATTACKS}
        ordered = [by_name[n] for n in DEMONSTRATION_ORDER if n in by_name]
        return (*ordered, *(a for a in ATTACKS if a.name not in DEMONSTRATION_ORDER))

    def _context(self, now: datetime) -> AttackContext:
        runtime = self._runtime
        request = MessageRequest(
            "outage.planned",
            message_id=secrets.randbits(24) + 1,
            text="Planned power cut tomorrow 08:00-18:00. Call 0800 000 0000 to claim a refund.",
            importance=Importance.HIGH,
            confirmation_required=True,
            at=now,
        )
        payload, _ = compose(request)
        dno = runtime.identity_of("dno")
        return AttackContext(
            identities=runtime.identity_of,
            target=runtime.meter_id,
            now=now,
            # Above anything the IHD accepted from the DNO, so only the forged part can fail.
            counter=runtime.next_counter(dno),
            payload=payload,
        )

    def launch(self, name: str) -> AttackRecord:
        """Launch attack ``name`` at the IHD (queued behind anything waiting for it).

        Raises:
            AttackError: No such attack.
        """
        try:
            chosen = attack(name)
        except KeyError:
            names = ", ".join(a.name for a in self.available())
            raise AttackError(f"no attack '{name}' (known: {names})") from None
        runtime = self._runtime
        now = runtime.wall_now()
        replayed_key = None
        if chosen.replays:
            envelope, replayed_key = self._replay_source(now)
        else:
            envelope = chosen.build(self._context(now))
        record = AttackRecord(
            name=chosen.name,
            expected=chosen.expected.value,
            keys=frozenset({envelope_key(envelope), digest_key(envelope)}),
            sent_at=now,
            replayed_key=replayed_key,
            envelopes=(envelope,),
        )
        self.records.append(record)
        runtime.events.emit(
            "attack.sent",
            name=chosen.name,
            title=chosen.title,
            description=chosen.description,
            expected_reason=chosen.expected.value,
            key=envelope_key(envelope),
        )
        runtime.inject(envelope, f"attack {chosen.name}")
        return record

    def launch_all(self) -> list[AttackRecord]:
        """Launch every attack, in :data:`DEMONSTRATION_ORDER`."""
        return [self.launch(a.name) for a in self.available()]

    def _replay_source(self, now: datetime) -> tuple[bytes, str]:
        """A genuine envelope the IHD already accepted (and not replayed yet); if there is
        none, a genuine DNO notice is sent first, so the copy that follows is a replay."""
        runtime = self._runtime
        accepted = [
            row
            for row in runtime.status.rows()
            if row.accepted_by_ihd and row.envelope and row.key not in self._replayed
        ]
        accepted.sort(key=lambda row: row.origin != "operator")
        if accepted:
            source = accepted[0]
            self._replayed.add(source.key)
            return source.envelope, source.key
        envelope = genuine(self._context(now))
        key = envelope_key(envelope)
        self._replayed.add(key)
        runtime.inject(envelope, "attack replay (the genuine original)")
        return envelope, key

    def on_reply(self, name: str, refers_to: str, details: Mapping[str, object]) -> bool:
        """Match an IHD reply to a launched attack; whether it was about one."""
        for record in reversed(self.records):
            if refers_to not in record.keys or record.reason is not None:
                continue
            if name == "error.notification":
                record.reason = str(details.get("reason", ""))
                record.refused_at = str(details.get("at", ""))
                self._runtime.events.emit(
                    "attack.refused",
                    name=record.name,
                    reason=record.reason,
                    expected_reason=record.expected,
                    as_expected=record.as_expected,
                    explanation=details.get("explanation"),
                    at=record.refused_at,
                )
                return True
            if record.replayed_key is not None:
                # Receipts for a replay's key are the genuine original's, not the copy's.
                return False
            if name == "message.receipt" and not record.accepted:
                record.accepted = True
                self._runtime.events.emit(
                    "attack.accepted", name=record.name, expected_reason=record.expected
                )
            return True
        return False

    def summary(self) -> dict[str, int]:
        """How many attacks were launched, refused as expected, refused otherwise, accepted."""
        return {
            "launched": len(self.records),
            "refused_as_expected": sum(1 for r in self.records if r.as_expected is True),
            "refused_otherwise": sum(1 for r in self.records if r.as_expected is False),
            "accepted": sum(1 for r in self.records if r.accepted),
            "unanswered": sum(1 for r in self.records if r.reason is None and not r.accepted),
        }


__all__ = ["DEMONSTRATION_ORDER", "AttackConsole", "AttackError", "AttackRecord"]
