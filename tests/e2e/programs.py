"""Running ``ihd`` and ``meter-emulator`` as real processes and following their events.

Both programs write their ``--events`` to standard output (``--events -``); the test reads the
lines as they come, so waiting for an event is waiting on the pipe, not sleeping.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ihd_app.protocol.radio_spec import free_virtual_port

#: Tests name it for what it is used for here.
free_port = free_virtual_port

BIN = Path(sys.executable).parent


def headless_args(port: int, data_dir: Path, *extra: str) -> list[str]:
    """What either program needs to run headless on ``virtual:PORT`` with its events on
    standard output (``ihd`` or ``meter-emulator``), followed by ``extra``."""
    return [
        "--headless",
        "--events",
        "-",
        "--radio",
        f"virtual:{port}",
        "--data-dir",
        str(data_dir),
        *extra,
    ]


def bonds_in(data_dir: Path) -> int:
    """How many peers' keys a program's bonds file holds (Bumble's JSON key store)."""
    path = data_dir / "bonds.json"
    if not path.exists():
        return 0
    namespaces: dict[str, dict[str, object]] = json.loads(path.read_text() or "{}")
    return sum(len(peers) for peers in namespaces.values())


class Program:
    """One running program and the events it has printed so far."""

    def __init__(self, name: str, process: asyncio.subprocess.Process) -> None:
        self.name = name
        self.process = process
        self.events: list[dict[str, Any]] = []
        self._position = 0

    @classmethod
    async def start(cls, program: str, args: Sequence[str], *, stdin: bool = False) -> Program:
        """Start ``program`` (``ihd`` or ``meter-emulator``) with ``args`` (and a pipe to its
        standard input if ``stdin``)."""
        process = await asyncio.create_subprocess_exec(
            str(BIN / program),
            *args,
            stdin=asyncio.subprocess.PIPE if stdin else None,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        return cls(program, process)

    async def _read_event(self) -> dict[str, Any] | None:
        assert self.process.stdout is not None
        line = await self.process.stdout.readline()
        if not line:
            return None
        record: dict[str, Any] = json.loads(line)
        self.events.append(record)
        return record

    async def wait_for(self, event: str, timeout: float = 15.0, **fields: Any) -> dict[str, Any]:
        """The next event called ``event`` whose fields include ``fields``.

        Raises:
            AssertionError: The program exited or stayed silent about it for ``timeout`` s.
        """

        def matches(record: dict[str, Any]) -> bool:
            return record.get("event") == event and all(
                record.get(k) == v for k, v in fields.items()
            )

        while self._position < len(self.events):
            record = self.events[self._position]
            self._position += 1
            if matches(record):
                return record
        try:
            async with asyncio.timeout(timeout):
                while True:
                    record = await self._read_event()
                    if record is None:
                        stderr = await self._stderr()
                        raise AssertionError(
                            f"{self.name} exited ({self.process.returncode}) before {event}: "
                            f"{stderr}"
                        )
                    self._position += 1
                    if matches(record):
                        return record
        except TimeoutError:
            raise AssertionError(
                f"{self.name} did not report {event} {fields} in {timeout} s; "
                f"its last events: {self.last_events()}"
            ) from None

    async def wait_until(
        self,
        condition: Callable[[], bool],
        what: str,
        timeout: float = 15.0,
        also: Program | None = None,
    ) -> None:
        """Read events until ``condition()`` holds (checked now and after every event).

        Args:
            condition: What to wait for.
            what: Its name, for the failure.
            timeout: A guard against a hang (never a synchronisation).
            also: Another program whose last events a failure should show too.

        Raises:
            AssertionError: The program exited, or ``what`` did not happen in ``timeout`` s.
        """
        try:
            async with asyncio.timeout(timeout):
                while not condition():
                    if await self._read_event() is None:
                        stderr = await self._stderr()
                        raise AssertionError(
                            f"{self.name} exited ({self.process.returncode}) before {what}: "
                            f"{stderr}"
                        )
        except TimeoutError:
            other = f"; {also.name}'s: {also.last_events()}" if also is not None else ""
            raise AssertionError(
                f"{self.name}: no {what} in {timeout} s; its last events: "
                f"{self.last_events()}{other}"
            ) from None

    def last_events(self, count: int = 15) -> str:
        """The names of the last ``count`` events read (what a failure report needs)."""
        return ", ".join(str(r.get("event")) for r in self.events[-count:]) or "none"

    def seen(self, event: str) -> list[dict[str, Any]]:
        """Every event called ``event`` read so far."""
        return [r for r in self.events if r.get("event") == event]

    async def _stderr(self) -> str:
        assert self.process.stderr is not None
        return (await self.process.stderr.read()).decode(errors="replace")

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the program."""
        self.process.send_signal(signum)

    async def stop(self, timeout: float = 15.0) -> tuple[int, str]:
        """SIGTERM, then read the rest of its events; returns the exit code and stderr."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(timeout):
            while await self._read_event() is not None:
                pass
            code = await self.process.wait()
        return code, await self._stderr()

    async def exited(self, timeout: float = 30.0) -> tuple[int, str]:
        """Wait for the program to exit by itself; returns the exit code and stderr."""
        async with asyncio.timeout(timeout):
            while await self._read_event() is not None:
                pass
            code = await self.process.wait()
        return code, await self._stderr()

    def kill(self) -> None:
        """Last resort in fixtures' teardown."""
        if self.process.returncode is None:
            self.process.kill()
