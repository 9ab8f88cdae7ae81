"""Remote disconnection and enabling of the electricity supply, with GB semantics (seed use case
18 steps 5-7; the Ofgem slides' example threat "remote connect/disconnect events").

The supply switch, as GB meters run it:

* a verified ``supply.disconnect`` (supplier, or the DNO for safety) switches the supply off;
  the consumer's Restore is refused until the operator enables it;
* a verified ``supply.arm`` ("enable") arms the supply (ZSE SupplyStatus off/armed): it is
  **not** switched on remotely; the consumer switches it back on at home (the meter's button), so
  nobody is surprised by appliances starting on their own;
* a safety alarm at the meter is cleared only by the DNO's ``safety.clear`` (after its staff
  checked on site), which arms the supply in the same way; the consumer's Restore never clears it.

A supplier cannot enable a supply the DNO disconnected (the DNO disconnects for safety), and only
the DNO clears a safety alarm (the policy gives ``safety.clear`` to the DNO alone). Every step
goes to the display as a meter-signed message in plain words, the episode sharing one message id
so each step replaces the last on the display.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.events import EventLog
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.zcl import Endpoint, Importance
from meter_emulator.simulation.premises import Premises, SupplyCause
from meter_emulator.state import MeterState

#: The longest text of one DisplayMessage, in UTF-8 bytes (docs/protocol.md §4.3).
MAX_TEXT_BYTES = 254

#: Signs a meter message and queues it for the IHD.
AlertSender = Callable[[MessageRequest], object]


def operator_words(role: str) -> str:
    """How the display names an operator role to a consumer."""
    return {"dno": "your network operator", "supplier": "your supplier"}.get(role, f"the {role}")


class SupplyCommandRefusedError(Exception):
    """A verified supply command the meter will not carry out now.

    Args:
        reason: The reason code the operator is told.
        detail: One sentence: what was refused and why.
    """

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class Disconnection:
    """A remote disconnection in force.

    Attributes:
        role: Who disconnected (``dno`` or ``supplier``), from the signer's certificate.
        by: The operator's organisation.
        why: What the operator said, in plain words.
        message_id: The episode's message id on the display.
        armed_by: Who enabled the supply since (``None``: not enabled yet).
    """

    role: str
    by: str
    why: str
    message_id: int
    armed_by: str | None = None


class RemoteSupply:
    """The supply switch's remote side: disconnection, enabling and the DNO's safety clear.

    Args:
        premises: The switch (``off_causes``, ``armed``).
        events: The event log.
        send: Signs and queues a meter message for the IHD.
        new_message_id: A fresh message id for a new episode.
        switch_off: Adds a cause to the switch (logs ``supply.changed`` if it was on).
        episode_ids: The meter's message id per latched cause (the safety alarm's episode).
        state: Where the latches are saved: a restarted meter keeps the supply off (and armed or
            not) as it was, never switching on what an operator disconnected.
    """

    def __init__(
        self,
        premises: Premises,
        events: EventLog,
        send: AlertSender,
        new_message_id: Callable[[], int],
        switch_off: Callable[[SupplyCause], None],
        episode_ids: dict[SupplyCause, int],
        state: MeterState,
    ) -> None:
        self._premises = premises
        self._events = events
        self._send = send
        self._new_message_id = new_message_id
        self._switch_off = switch_off
        self._episode_ids = episode_ids
        self._state = state
        self.disconnection: Disconnection | None = None
        self.safety_cleared_by: str | None = None
        self._load()

    def _load(self) -> None:
        saved = self._state.supply_switch or {}
        disconnection = saved.get("disconnection")
        if isinstance(disconnection, dict):
            armed_by = disconnection.get("armed_by")
            self.disconnection = Disconnection(
                str(disconnection.get("role", "")),
                str(disconnection.get("by", "")),
                str(disconnection.get("why", "")),
                _whole(disconnection.get("message_id")),
                armed_by if isinstance(armed_by, str) else None,
            )
            self._episode_ids[SupplyCause.REMOTE_DISCONNECTION] = self.disconnection.message_id
            self._premises.off_causes.add(SupplyCause.REMOTE_DISCONNECTION)
        safety = saved.get("safety_alarm")
        if isinstance(safety, dict):
            cleared_by = safety.get("cleared_by")
            self.safety_cleared_by = cleared_by if isinstance(cleared_by, str) else None
            message_id = safety.get("message_id")
            if isinstance(message_id, int):
                self._episode_ids[SupplyCause.SAFETY_ALARM] = message_id
            self._premises.off_causes.add(SupplyCause.SAFETY_ALARM)
        self._update_armed(save=False)

    def _save(self) -> None:
        causes = self._premises.off_causes
        latches: dict[str, object] = {}
        disconnection = self.disconnection
        if disconnection is not None and SupplyCause.REMOTE_DISCONNECTION in causes:
            latches["disconnection"] = {
                "role": disconnection.role,
                "by": disconnection.by,
                "why": disconnection.why,
                "message_id": disconnection.message_id,
                "armed_by": disconnection.armed_by,
            }
        if SupplyCause.SAFETY_ALARM in causes:
            latches["safety_alarm"] = {
                "message_id": self._episode_ids.get(SupplyCause.SAFETY_ALARM),
                "cleared_by": self.safety_cleared_by,
            }
        self._state.set_supply_switch(latches or None)

    def _tell_display(
        self, type_name: str, message_id: int, text: str, importance: Importance, **details: str
    ) -> None:
        self._send(
            MessageRequest(
                type_name,
                message_id=message_id,
                text=text,
                importance=importance,
                confirmation_required=importance is not Importance.MEDIUM,
                fuel=Endpoint.ELECTRICITY,
                extra_details=dict(details),
            )
        )

    def _update_armed(self, *, save: bool = True) -> None:
        """Armed when every cause that keeps the supply off lets the consumer switch on (and
        the latches saved)."""
        causes = self._premises.off_causes
        remote_ok = SupplyCause.REMOTE_DISCONNECTION not in causes or (
            self.disconnection is not None and self.disconnection.armed_by is not None
        )
        safety_ok = SupplyCause.SAFETY_ALARM not in causes or self.safety_cleared_by is not None
        self._premises.armed = bool(causes) and remote_ok and safety_ok
        if save:
            self._save()

    # -- operator commands (already verified: signature, role, replay, validity) -----------------

    def disconnect(self, role: str, by: str, why: str) -> str:
        """Switch the supply off on an operator's verified command.

        Returns:
            What was done, for the operator's confirmation.
        """
        why = why.strip().rstrip(".") or "no reason was given"
        previous = self.disconnection
        message_id = previous.message_id if previous is not None else self._new_message_id()
        self.disconnection = Disconnection(role, by, why, message_id)
        self._episode_ids[SupplyCause.REMOTE_DISCONNECTION] = message_id
        self._switch_off(SupplyCause.REMOTE_DISCONNECTION)
        self._update_armed()
        self._events.emit("supply.disconnected", by=by, role=role, why=why, message_id=message_id)
        who = operator_words(role)
        said = (
            f"{who.capitalize()} ({by}) has switched your electricity off remotely: {{}}. "
            "It stays off until they enable it; this display will tell you."
        )
        self._tell_display(
            "supply.interrupted",
            message_id,
            said.format(_fit(why, MAX_TEXT_BYTES - len(said.format("").encode()))),
            Importance.CRITICAL,
            cause=SupplyCause.REMOTE_DISCONNECTION.value,
            by=by,
            role=role,
        )
        return f"supply disconnected ({why})"

    def arm(self, role: str, by: str) -> str:
        """Enable (arm) a supply an operator disconnected: the consumer switches it on.

        Returns:
            What was done, for the operator's confirmation.

        Raises:
            SupplyCommandRefusedError: A supplier enabling a supply the DNO disconnected.
        """
        disconnection = self.disconnection
        if (
            disconnection is None
            or SupplyCause.REMOTE_DISCONNECTION not in self._premises.off_causes
        ):
            return "nothing to enable: the supply was not disconnected remotely"
        if disconnection.role == "dno" and role != "dno":
            raise SupplyCommandRefusedError(
                Reason.ROLE_NOT_AUTHORISED,
                f"the DNO ({disconnection.by}) disconnected this supply for safety; only the "
                f"DNO can enable it, not the {role}",
            )
        disconnection.armed_by = by
        self._update_armed()
        self._events.emit(
            "supply.armed",
            by=by,
            role=role,
            message_id=disconnection.message_id,
            armed=self._premises.armed,
        )
        self._tell_display(
            "supply.armed",
            disconnection.message_id,
            f"{operator_words(role).capitalize()} ({by}) has enabled your electricity supply. "
            "Press Restore on your meter to switch your supply back on.",
            Importance.HIGH,
            cause=SupplyCause.REMOTE_DISCONNECTION.value,
            by=by,
            role=role,
        )
        return "supply armed: the consumer can switch it back on"

    def clear_safety(self, role: str, by: str) -> str:
        """The DNO clears a safety alarm (and enables its own safety disconnection).

        Returns:
            What was done, for the operator's confirmation.
        """
        cleared: list[str] = []
        message_id: int | None = None
        if SupplyCause.SAFETY_ALARM in self._premises.off_causes and self.safety_cleared_by is None:
            self.safety_cleared_by = by
            message_id = self._episode_ids.get(SupplyCause.SAFETY_ALARM)
            cleared.append("safety alarm cleared")
        disconnection = self.disconnection
        if (
            disconnection is not None
            and disconnection.role == role
            and disconnection.armed_by is None
            and SupplyCause.REMOTE_DISCONNECTION in self._premises.off_causes
        ):
            disconnection.armed_by = by
            message_id = message_id or disconnection.message_id
            cleared.append("safety disconnection enabled")
        if not cleared:
            return "no safety alarm to clear"
        self._update_armed()
        self._events.emit(
            "safety.cleared", by=by, role=role, armed=self._premises.armed, message_id=message_id
        )
        self._tell_display(
            "supply.armed",
            message_id or self._new_message_id(),
            f"{operator_words(role).capitalize()} ({by}) has checked the safety alarm and "
            "cleared it. Press Restore on your meter to switch your supply back on.",
            Importance.HIGH,
            cause=SupplyCause.SAFETY_ALARM.value,
            by=by,
            role=role,
        )
        return "; ".join(cleared) + ": the consumer can switch the supply back on"

    # -- the meter's own side ----------------------------------------------------------------------

    def safety_alarm_raised(self) -> None:
        """A new safety alarm: whatever the DNO cleared before no longer counts."""
        self.safety_cleared_by = None
        self._update_armed()

    def restore_refusal(self) -> str | None:
        """Why the consumer cannot switch the supply back on now, in one sentence (``None``:
        nothing of the remote side stands in the way)."""
        causes = self._premises.off_causes
        if SupplyCause.SAFETY_ALARM in causes and self.safety_cleared_by is None:
            return (
                "A safety alarm switched your electricity off: only your network operator can "
                "clear it, after checking your home is safe."
            )
        disconnection = self.disconnection
        if (
            SupplyCause.REMOTE_DISCONNECTION in causes
            and disconnection is not None
            and disconnection.armed_by is None
        ):
            who = operator_words(disconnection.role)
            return (
                f"{who.capitalize()} ({disconnection.by}) switched your electricity off "
                f"remotely: it can be switched back on only after {who} enables it."
            )
        return None

    def restored_text(self, cause: SupplyCause) -> str | None:
        """What the display says when the consumer switched ``cause`` back on, and forget it."""
        if cause is SupplyCause.REMOTE_DISCONNECTION and self.disconnection is not None:
            who = operator_words(self.disconnection.role)
            self.disconnection = None
            return f"Electricity supply restored: you switched it back on after {who} enabled it."
        if cause is SupplyCause.SAFETY_ALARM:
            self.safety_cleared_by = None
            return (
                "Electricity supply restored: you switched it back on after your network "
                "operator cleared the safety alarm."
            )
        return None

    def after_restore(self) -> None:
        """The consumer switched back on: nothing is armed any more."""
        self._update_armed()


def _whole(value: object) -> int:
    """A saved message id (0 if the file holds something else)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _fit(text: str, limit: int) -> str:
    """``text`` cut on a character boundary to at most ``limit`` UTF-8 bytes ("…" if cut)."""
    if len(text.encode()) <= limit:
        return text
    room = max(0, limit - len("…".encode()))
    return text.encode()[:room].decode("utf-8", errors="ignore").rstrip() + "…"
