"""The meter carrying out an operator's verified supply command (seed use case 18 steps 5-7):
``supply.disconnect``, ``supply.arm``, ``safety.clear``.

By the time a command gets here the meter's verifier has checked its signature chain, the
signer's role against the policy, the replay counter and the validity window. What is left is
the command itself: its ChangeSupply must propose what its type says (the meter never switches a
supply on remotely: GB arms it and the consumer switches on), and the supply's state must allow
it (a supplier cannot enable a supply the DNO disconnected for safety). A refusal is logged as
``operator.error`` with its reason, exactly like a failed verification, and the supply is left
as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from ihd_app.protocol.compose import SUPPLY_COMMANDS
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.verification import VerifiedMessage
from ihd_app.protocol.zcl import ChangeSupply, SupplyStatus
from meter_emulator.behaviour.remote_supply import RemoteSupply, SupplyCommandRefusedError
from meter_emulator.operator.status import MessageRecord

#: Tells the operator a command was carried out: (message, row, what was done).
Confirm = Callable[[VerifiedMessage, MessageRecord, str], None]


class SupplyCommands:
    """Carries out verified supply commands on the meter's supply switch.

    Args:
        remote: The supply switch's remote side.
        events: Where refusals are logged.
        clock: The wall clock (the refusal's timestamp).
        confirm: Sends the date- and time-stamped confirmation back to the operator.
    """

    def __init__(
        self,
        remote: RemoteSupply,
        *,
        events: EventLog,
        clock: Callable[[], datetime],
        confirm: Confirm,
    ) -> None:
        self._remote = remote
        self._events = events
        self._clock = clock
        self._confirm = confirm

    def carry_out(self, message: VerifiedMessage, record: MessageRecord) -> bool:
        """Carry out ``message`` or refuse it with a reason.

        Returns:
            Whether it was carried out (a refusal is in ``record`` and the event log).
        """
        name = message.message_type.name
        role = message.role.value
        who = message.signer.organisation or message.claims.issuer
        try:
            self._check_command(message)
            why = message.claims.details.get("why")
            if name == "supply.disconnect":
                done = self._remote.disconnect(role, who, why if isinstance(why, str) else "")
            elif name == "supply.arm":
                done = self._remote.arm(role, who)
            else:
                done = self._remote.clear_safety(role, who)
        except SupplyCommandRefusedError as refusal:
            self._refuse(message, record, refusal)
            return False
        self._confirm(message, record, done)
        return True

    @staticmethod
    def _check_command(message: VerifiedMessage) -> None:
        name = message.message_type.name
        command = message.unit.command if message.unit is not None else None
        if not isinstance(command, ChangeSupply):  # pragma: no cover - the verifier checks it
            raise SupplyCommandRefusedError(Reason.MALFORMED, f"{name} needs a ChangeSupply")
        proposed = command.proposed_supply_status
        if proposed == SupplyStatus.ON:
            raise SupplyCommandRefusedError(
                Reason.MALFORMED,
                f"{name} proposes switching the supply on remotely; a GB meter only arms it "
                "(Off/Armed) and the consumer switches it on at home",
            )
        if proposed != SUPPLY_COMMANDS[name]:
            raise SupplyCommandRefusedError(
                Reason.MALFORMED,
                f"{name} must propose supply status {SUPPLY_COMMANDS[name].name.lower()}, "
                f"not {proposed}",
            )
        if command.implementation_time != 0:
            raise SupplyCommandRefusedError(
                Reason.MALFORMED,
                f"{name} must apply now (implementation time 0); this meter does not schedule "
                "supply changes",
            )

    def _refuse(
        self, message: VerifiedMessage, record: MessageRecord, refusal: SupplyCommandRefusedError
    ) -> None:
        record.refused_reason = refusal.reason.value
        record.refused_detail = refusal.detail
        self._events.emit(
            "operator.error",
            reason=refusal.reason.value,
            detail=refusal.detail,
            explanation=refusal.reason.explanation,
            at=self._clock().isoformat(timespec="seconds"),
            key=record.key,
            type=message.message_type.name,
            claimed_originator=message.claims.issuer,
        )


__all__ = ["SupplyCommands"]
