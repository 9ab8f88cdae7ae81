"""Attacks on the supply switch: the Ofgem slides' example threat ("remote connect/disconnect
events") and the seed's worst case, each sent **to the meter**, which must refuse it.

Unlike the display attacks of :mod:`meter_emulator.attacks.forgery` (injected past the meter so
the display shows it refuses them on its own), a supply command is carried out by the meter, so
the meter is what these test: each goes through the meter's verification like an operator's
message, is refused with a reason (``operator.error``), and the supply is left exactly as it was.
``attack.refused`` says so with the reason and ``supply_unchanged``.

* ``forged-disconnection``: a disconnection signed by a "DNO" whose certificate comes from a
  root nobody trusts (``untrusted-chain``).
* ``replayed-disconnection``: a copy of a genuine disconnection the meter already carried out
  (after which the supply was enabled and switched back on): ``replay``.
* ``supplier-as-dno``: a genuine supplier clearing a safety alarm, which only the DNO may do
  (``role-not-authorised``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.envelope import sign_envelope
from ihd_app.protocol.envelope.compose import new_claims
from ihd_app.protocol.errors import IhdError
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.pki import Identity
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.verification import Verdict
from meter_emulator.delivery import envelope_key
from meter_emulator.operator.status import StatusTable


class MeterForSupplyAttacks(Protocol):
    """What the supply attacks need of the meter (:class:`meter_emulator.runtime.MeterRuntime`
    is one): its PKI and counters, its verification, its status table and its supply switch."""

    @property
    def events(self) -> EventLog: ...
    @property
    def status(self) -> StatusTable: ...
    @property
    def meter_id(self) -> str: ...
    def identity_of(self, name: str) -> Identity: ...
    def next_counter(self, identity: Identity) -> int: ...
    def wall_now(self) -> datetime: ...
    def forward(self, envelope: bytes, *, text: str | None = None) -> Verdict: ...
    def supply_state(self) -> tuple[str, tuple[str, ...]]: ...


class SupplyAttackError(IhdError):
    """The attack cannot be launched now; one sentence why and what to do."""


@dataclass(frozen=True)
class SupplyAttack:
    """One attack on the supply switch.

    Attributes:
        name: Short identifier.
        title: What the attack console's button says.
        description: What is being tried.
        expected: The reason the meter must give.
    """

    name: str
    title: str
    description: str
    expected: Reason


SUPPLY_ATTACKS: tuple[SupplyAttack, ...] = (
    SupplyAttack(
        "forged-disconnection",
        "Forged disconnection",
        "A command to switch the home's electricity off, signed by a 'DNO' certificate from a "
        "root nobody trusts.",
        Reason.UNTRUSTED_CHAIN,
    ),
    SupplyAttack(
        "replayed-disconnection",
        "Replayed disconnection",
        "A recorded copy of a genuine disconnection the meter already carried out, sent again "
        "after the supply was switched back on.",
        Reason.REPLAY,
    ),
    SupplyAttack(
        "supplier-as-dno",
        "Supplier pretending to be the DNO",
        "A genuine supplier clearing a safety alarm, which only the network operator may do.",
        Reason.ROLE_NOT_AUTHORISED,
    ),
)

#: Their names, for the scenario files and the attack console.
SUPPLY_ATTACK_NAMES = tuple(a.name for a in SUPPLY_ATTACKS)


@dataclass
class SupplyAttackRecord:
    """One launched supply attack and the meter's answer.

    Attributes:
        name: The attack's name.
        expected: The reason code the meter must give.
        key: The forged envelope's key in the status table.
        reason: The reason the meter gave (``None``: it carried the command out).
        detail: The meter's detail.
        supply_unchanged: Whether the supply switch is as it was before.
    """

    name: str
    expected: str
    key: str
    reason: str | None
    detail: str | None
    supply_unchanged: bool

    @property
    def as_expected(self) -> bool:
        """Refused with the expected reason, and the supply untouched."""
        return self.reason == self.expected and self.supply_unchanged


class SupplyAttacks:
    """Launches the supply attacks through the meter's own verification.

    Args:
        runtime: The running meter.
    """

    def __init__(self, runtime: MeterForSupplyAttacks) -> None:
        self._runtime = runtime
        self.records: list[SupplyAttackRecord] = []

    def _signed(self, signer: str, request: MessageRequest) -> bytes:
        runtime = self._runtime
        identity = runtime.identity_of(signer)
        now = runtime.wall_now()
        payload, details = compose(replace(request, at=now))
        claims = new_claims(
            identity,
            request.type_name,
            runtime.meter_id,
            runtime.next_counter(identity),
            issued_at=now - timedelta(seconds=30),
            valid_for=timedelta(hours=4),
            details=details,
        )
        return sign_envelope(identity, claims, payload)

    def _replay_source(self) -> bytes:
        """The newest genuine disconnection the meter carried out."""
        for row in reversed(self._runtime.status.rows("operator")):
            if row.type == "supply.disconnect" and row.envelope and row.refused_reason is None:
                return row.envelope
        raise SupplyAttackError(
            "there is no genuine disconnection to replay: send one from the operator console "
            "(Disconnect), enable it and restore the supply first"
        )

    def build(self, name: str) -> bytes:
        """The envelope attack ``name`` sends.

        Raises:
            SupplyAttackError: Nothing to replay yet.
        """
        builders: dict[str, Callable[[], bytes]] = {
            "forged-disconnection": lambda: self._signed(
                "rogue-dno",
                MessageRequest(
                    "supply.disconnect", message_id=0x0BAD, text="urgent network safety work"
                ),
            ),
            "replayed-disconnection": self._replay_source,
            "supplier-as-dno": lambda: self._signed(
                "supplier",
                MessageRequest(
                    "safety.clear", message_id=0x0BAD, text="the alarm is fine, switch back on"
                ),
            ),
        }
        return builders[name]()

    def launch(self, name: str) -> SupplyAttackRecord:
        """Send attack ``name`` to the meter and record its answer.

        Raises:
            KeyError: No such attack.
            SupplyAttackError: Nothing to replay yet.
        """
        chosen = next(a for a in SUPPLY_ATTACKS if a.name == name)
        runtime = self._runtime
        envelope = self.build(name)
        before = runtime.supply_state()
        runtime.events.emit(
            "attack.sent",
            name=chosen.name,
            title=chosen.title,
            description=chosen.description,
            expected_reason=chosen.expected.value,
            key=envelope_key(envelope),
            target="meter",
        )
        verdict = runtime.forward(envelope, text=chosen.title)
        row = runtime.status.get(envelope_key(envelope))
        reason = verdict.reason.value if verdict.reason is not None else None
        detail = verdict.detail if verdict.reason is not None else None
        if reason is None and row is not None and row.refused_reason is not None:
            reason, detail = row.refused_reason, row.refused_detail
        after = runtime.supply_state()
        record = SupplyAttackRecord(
            name=chosen.name,
            expected=chosen.expected.value,
            key=envelope_key(envelope),
            reason=reason,
            detail=detail,
            supply_unchanged=before == after,
        )
        self.records.append(record)
        if reason is None:
            runtime.events.emit(
                "attack.accepted", name=chosen.name, expected_reason=chosen.expected.value
            )
        else:
            runtime.events.emit(
                "attack.refused",
                name=chosen.name,
                reason=reason,
                detail=detail,
                expected_reason=chosen.expected.value,
                as_expected=record.as_expected,
                explanation=Reason(reason).explanation,
                supply_unchanged=record.supply_unchanged,
                supply=after[0],
                refused_by="meter",
            )
        return record


__all__ = [
    "SUPPLY_ATTACKS",
    "SUPPLY_ATTACK_NAMES",
    "SupplyAttack",
    "SupplyAttackError",
    "SupplyAttackRecord",
    "SupplyAttacks",
]
