"""``ihd --headless --commands FILE``: what the consumer would do on the Privacy screen, typed
or scripted one line at a time (a test bed, a firmware developer's script, a terminal).

Commands (one per line; blank lines and ``#`` comments are skipped)::

    consent PARTY PURPOSE LEVEL     LEVEL: none, monthly, daily or half-hourly
    wipe                            wipe the display's personal data (withdraws every consent)
    move-out                        the household is leaving (also forgets the meter)
    export-data-access PATH         the household's data-access log as CSV
    agree ORIGINATOR DEVICES        let ORIGINATOR (entity id) control DEVICES directly
                                    (e.g. ev,water_heater; none withdraws)
    opt-out EVENT_ID                do not take part in flexibility event EVENT_ID
    top-up DIGITS                   a 20-digit prepayment top-up code (spaces allowed)
    emergency-credit                take the emergency credit on offer
    restore-supply                  restore a supply armed after a top-up

Each command's outcome is an event: ``command.done {command, ...}``, or ``command.refused
{line, detail}`` with one sentence saying what is wrong and what to do. The file is read to its
end, so a FIFO or a pipe keeps the channel open for as long as its writer does.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from ihd_app.protocol.consent_terms import PURPOSES, Granularity, purpose_of
from ihd_app.protocol.demand_response import device_class_names, parse_device_classes
from ihd_app.protocol.errors import EncodeError
from ihd_app.protocol.events import EventLog
from ihd_app.service.api import IhdServiceApi
from ihd_app.service.prepayment import PrepayActionError

USAGE = (
    "consent PARTY PURPOSE none|monthly|daily|half-hourly, wipe, move-out, "
    "export-data-access PATH, agree ORIGINATOR DEVICES|none, opt-out EVENT_ID, "
    "top-up DIGITS, emergency-credit, restore-supply"
)


class CommandError(ValueError):
    """A command line that cannot be carried out (its message is the one sentence)."""


class HeadlessCommands:
    """Reads commands and carries them out on the service.

    Args:
        service: The running display service.
        events: Where outcomes go.
    """

    def __init__(self, service: IhdServiceApi, events: EventLog) -> None:
        self._service = service
        self._events = events

    async def run(self, open_source: Callable[[], TextIO]) -> None:
        """Carry out every line of the source ``open_source`` opens, in order, until it ends."""
        lines: asyncio.Queue[str | None] = asyncio.Queue()
        loop = asyncio.get_running_loop()

        def read() -> None:
            # A daemon thread: a FIFO nobody writes to must not keep the process from exiting.
            try:
                with open_source() as source:
                    for line in source:
                        loop.call_soon_threadsafe(lines.put_nowait, line)
            except OSError as error:
                detail = f"The commands cannot be read: {error.strerror or error}."
                loop.call_soon_threadsafe(
                    lambda: self._events.emit("command.refused", line="", detail=detail)
                )
            finally:
                with contextlib.suppress(RuntimeError):  # the loop closed first
                    loop.call_soon_threadsafe(lines.put_nowait, None)

        threading.Thread(target=read, name="ihd-commands", daemon=True).start()
        while (line := await lines.get()) is not None:
            await self.execute(line)

    async def execute(self, line: str) -> None:
        """Carry out one command line and report its outcome."""
        text = line.strip()
        if not text or text.startswith("#"):
            return
        try:
            words = shlex.split(text)
            await self._carry_out(words)
        except (CommandError, ValueError) as error:
            self._events.emit("command.refused", line=text, detail=str(error))
        except OSError as error:
            self._events.emit(
                "command.refused",
                line=text,
                detail=f"{text}: {error.strerror or error}; choose another path.",
            )

    async def _carry_out(self, words: list[str]) -> None:
        name, arguments = words[0], words[1:]
        if name == "consent":
            party, purpose, level = _exactly(name, arguments, 3)
            if purpose_of(party, purpose) is None:
                known = ", ".join(f"{p.party} {p.name}" for p in PURPOSES)
                raise CommandError(f"{party} {purpose} is not a purpose to consent to ({known}).")
            granularity = None if level == "none" else _granularity(level)
            await self._service.set_consent(party, purpose, granularity)
            self._events.emit(
                "command.done", command=name, party=party, purpose=purpose, granularity=level
            )
        elif name == "wipe":
            _exactly(name, arguments, 0)
            await self._service.wipe_local_data()
            self._events.emit("command.done", command=name)
        elif name == "move-out":
            _exactly(name, arguments, 0)
            await self._service.move_out()
            self._events.emit("command.done", command=name)
        elif name == "export-data-access":
            (path,) = _exactly(name, arguments, 1)
            count = self._service.export_data_access(Path(path))
            self._events.emit("command.done", command=name, path=path, entries=count)
        elif name == "agree":
            originator, devices = _exactly(name, arguments, 2)
            try:
                device_class = 0 if devices == "none" else parse_device_classes(devices)
            except EncodeError as error:
                raise CommandError(f"{error.detail}.") from None
            self._service.flexibility.set_agreement(originator, device_class)
            self._events.emit(
                "command.done",
                command=name,
                originator=originator,
                devices=device_class_names(device_class),
            )
        elif name == "opt-out":
            (number,) = _exactly(name, arguments, 1)
            self._opt_out(number)
        elif name in ("top-up", "emergency-credit", "restore-supply"):
            self._prepay(name, arguments)
        else:
            raise CommandError(f"{name!r} is not a command; the commands are: {USAGE}.")

    def _opt_out(self, number: str) -> None:
        if not number.isdigit():
            raise CommandError(f"{number!r} is not an event id; give the number the event has.")
        flexibility = self._service.flexibility
        event_id = int(number)
        shown = next((e for e in flexibility.events() if e.event.event_id == event_id), None)
        if shown is None or not flexibility.opt_out(shown.originator, event_id):
            raise CommandError(
                f"there is no flexibility event {event_id} to opt out of (it is over or unknown)."
            )
        self._events.emit("command.done", command="opt-out", event_id=event_id)

    def _prepay(self, name: str, arguments: list[str]) -> None:
        prepayment = self._service.prepayment
        try:
            if name == "top-up":
                if not arguments:
                    raise CommandError(f"top-up takes the 20-digit code: {USAGE}.")
                prepayment.top_up("".join(arguments))
            elif name == "emergency-credit":
                _exactly(name, arguments, 0)
                prepayment.use_emergency_credit()
            else:
                _exactly(name, arguments, 0)
                prepayment.restore_supply()
        except PrepayActionError as error:
            raise CommandError(str(error)) from None
        self._events.emit("command.done", command=name)


def _exactly(name: str, arguments: list[str], count: int) -> list[str]:
    if len(arguments) != count:
        raise CommandError(f"{name} takes {count} argument{'s' if count != 1 else ''}: {USAGE}.")
    return arguments


def _granularity(level: str) -> Granularity:
    try:
        return Granularity(level)
    except ValueError:
        raise CommandError(
            f"{level!r} is not a level; use none, monthly, daily or half-hourly."
        ) from None


__all__ = ["USAGE", "CommandError", "HeadlessCommands"]
