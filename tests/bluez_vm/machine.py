"""The BlueZ guest seen from the host: boot it, run programs in it, follow their events, stop it.

QEMU (TCG: no KVM on these machines) boots Debian's kernel with the cached initramfs; the
guest's second serial port is a TCP client of the meter emulator's virtual-air HCI port, so the
guest's hci0 is a controller on the same air as the meter. The guest's command agent
(:mod:`tests.bluez_vm.guest_agent`) connects back over a virtio-serial port to a socket this
module listens on; every line a guest program prints comes back over it as it is printed, so a
test waits on events, never on the clock. If the test process dies, the agent reads the port's end
and exits, the guest's PID 1 exits and QEMU (``-no-reboot``) stops: no guest outlives its test.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tests.bluez_vm.image import GuestImage

HERE = Path(__file__).resolve().parent
#: The project's venv: the guest runs the very same programs over 9p.
BIN = Path(sys.executable).parent

#: TCG on a shared 2-core machine: boot takes ~10 s idle, much more under load.
BOOT_TIMEOUT_S = 240.0


class GuestError(AssertionError):
    """The guest did not boot or its agent went away."""


class GuestProgram:
    """One program running in the guest, with what it printed so far.

    Standard output lines that are JSON objects are events (``--events -``).
    """

    def __init__(self, guest: Guest, ident: str) -> None:
        self.guest = guest
        self.ident = ident
        self.events: list[dict[str, Any]] = []
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self.returncode: int | None = None
        self._returned: set[int] = set()
        self._changed = asyncio.Event()

    def _feed(self, message: dict[str, Any]) -> None:
        op = message["op"]
        if op == "line":
            line = message["line"]
            if message["stream"] == "stderr":
                self.stderr.append(line)
            else:
                self.stdout.append(line)
                with contextlib.suppress(ValueError):
                    record = json.loads(line)
                    if isinstance(record, dict):
                        record["_t"] = time.monotonic()
                        self.events.append(record)
        elif op == "exit":
            self.returncode = message["code"]
        elif op == "error":
            self.stderr.append(f"agent: {message['message']}")
        self._changed.set()

    async def _next_change(self) -> None:
        self._changed.clear()
        await self._changed.wait()

    def _describe(self) -> str:
        events = "\n".join(json.dumps(e) for e in self.events[-15:])
        stderr = "\n".join(self.stderr[-30:])
        return f"its last events:\n{events}\nits stderr:\n{stderr}"

    def _describe_exit(self, what: str) -> str:
        return f"{self.ident} exited ({self.returncode}) before {what}; {self._describe()}"

    async def wait_for(self, event: str, timeout: float = 60.0, **fields: Any) -> dict[str, Any]:
        """The first event called ``event`` whose fields include ``fields`` and that no earlier
        call returned, whether it came before or after the events earlier calls waited for
        (under emulation the order of independent events varies from run to run).

        Raises:
            AssertionError: The program exited or did not report it within ``timeout`` s.
        """
        try:
            async with asyncio.timeout(timeout):
                while True:
                    for index, record in enumerate(self.events):
                        if (
                            index not in self._returned
                            and record.get("event") == event
                            and all(record.get(k) == v for k, v in fields.items())
                        ):
                            self._returned.add(index)
                            return record
                    if self.returncode is not None:
                        raise AssertionError(self._describe_exit(event))
                    await self._next_change()
        except TimeoutError:
            raise AssertionError(
                f"{self.ident} did not report {event} {fields} in {timeout} s; {self._describe()}"
            ) from None

    async def wait_until(
        self, condition: Callable[[], bool], what: str, timeout: float = 60.0
    ) -> None:
        """Wait until ``condition()`` holds (checked now and after everything it prints)."""
        try:
            async with asyncio.timeout(timeout):
                while not condition():
                    if self.returncode is not None:
                        raise AssertionError(self._describe_exit(what))
                    await self._next_change()
        except TimeoutError:
            raise AssertionError(
                f"{self.ident}: no {what} in {timeout} s; {self._describe()}"
            ) from None

    def seen(self, event: str) -> list[dict[str, Any]]:
        """Every event called ``event`` so far."""
        return [r for r in self.events if r.get("event") == event]

    async def exited(self, timeout: float = 60.0) -> int:
        """Wait for the program to exit; returns its exit code."""
        async with asyncio.timeout(timeout):
            while self.returncode is None:
                await self._next_change()
        return self.returncode

    async def type_in(self, text: str) -> None:
        """Write ``text`` to the program's standard input (spawned with ``stdin=True``)."""
        await self.guest._send({"op": "stdin", "id": self.ident, "text": text})

    async def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, then wait for the exit; returns the exit code."""
        if self.returncode is None:
            await self.guest.signal(self.ident, signal.SIGTERM)
        return await self.exited(timeout)


class Guest:
    """A booted guest. Use :meth:`boot`, then :meth:`spawn`; always :meth:`shutdown`."""

    def __init__(self, process: asyncio.subprocess.Process, out_dir: Path) -> None:
        self.process = process
        self.out_dir = out_dir
        self.boot_s = 0.0
        self.uptime_s = 0.0
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._programs: dict[str, GuestProgram] = {}
        self._pump: asyncio.Task[None] | None = None
        self._counter = 0

    @classmethod
    async def boot(
        cls,
        image: GuestImage,
        *,
        hci_port: int,
        out_dir: Path,
        memory_mb: int = 1024,
        timeout: float = BOOT_TIMEOUT_S,
    ) -> Guest:
        """Boot a guest whose hci0 is the controller served on ``127.0.0.1:hci_port``.

        Its logs (console, bluetoothd, btmon capture) are written to ``out_dir``.

        Raises:
            GuestError: QEMU exited, or the agent did not report ready within ``timeout`` s.
        """
        out_dir.mkdir(parents=True, exist_ok=True)
        connected: asyncio.Future[tuple[asyncio.StreamReader, asyncio.StreamWriter]]
        connected = asyncio.get_running_loop().create_future()

        def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            if connected.done():
                writer.close()
            else:
                connected.set_result((reader, writer))

        server = await asyncio.start_server(on_connect, "127.0.0.1", 0, limit=1 << 20)
        agent_port = server.sockets[0].getsockname()[1]
        append = " ".join(
            [
                "console=ttyS0",
                "panic=-1",
                "loglevel=4",
                f"bluezvm.stage2={HERE / 'guest_stage2.sh'}",
                f"bluezvm.bluez={image.bluez}",
                f"bluezvm.python={sys.executable}",
                f"bluezvm.agent={HERE / 'guest_agent.py'}",
            ]
        )
        argv = [
            "qemu-system-x86_64",
            "-accel", "tcg",
            "-cpu", "max",
            "-m", str(memory_mb),
            "-smp", "1",
            "-nodefaults",
            "-display", "none",
            "-no-reboot",
            "-kernel", str(image.kernel),
            "-initrd", str(image.initramfs),
            "-append", append,
            "-chardev", f"file,id=console,path={out_dir / 'console.log'}",
            "-serial", "chardev:console",
            "-chardev", f"socket,id=hci,host=127.0.0.1,port={hci_port},reconnect=1",
            "-serial", "chardev:hci",
            "-device", "virtio-serial-pci",
            "-chardev", f"socket,id=agent,host=127.0.0.1,port={agent_port}",
            "-device", "virtserialport,chardev=agent,name=ihd.agent",
            "-fsdev", "local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap",
            "-device", "virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot",
            "-fsdev", f"local,id=out,path={out_dir},security_model=none",
            "-device", "virtio-9p-pci,fsdev=out,mount_tag=out",
        ]  # fmt: skip
        started = time.monotonic()
        with (out_dir / "qemu.log").open("wb") as log:
            process = await asyncio.create_subprocess_exec(
                *argv, stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log
            )
        guest = cls(process, out_dir)
        try:
            async with asyncio.timeout(timeout):
                exited: asyncio.Future[object] = asyncio.ensure_future(process.wait())
                attached: asyncio.Future[object] = connected  # type: ignore[assignment]
                done, _ = await asyncio.wait(
                    {attached, exited}, return_when=asyncio.FIRST_COMPLETED
                )
                if exited in done:
                    raise GuestError(f"QEMU exited ({process.returncode}): {guest.logs()}")
                exited.cancel()
                guest._reader, guest._writer = connected.result()
                line = await guest._reader.readline()
                ready = json.loads(line) if line else {}
                if ready.get("op") != "ready":
                    raise GuestError(f"the guest's agent did not start: {guest.logs()}")
        except TimeoutError:
            await guest.shutdown()
            raise GuestError(f"the guest did not boot in {timeout:.0f} s: {guest.logs()}") from None
        except BaseException:
            await guest.shutdown()
            raise
        finally:
            server.close()
        guest.boot_s = time.monotonic() - started
        guest.uptime_s = float(ready["uptime"])
        guest._pump = asyncio.create_task(guest._dispatch(), name="bluez-vm-agent")
        return guest

    def logs(self, lines: int = 40) -> str:
        """The tail of the guest's console and stage-2 logs, for failure messages."""
        parts = []
        for name in ("qemu.log", "console.log", "guest.log"):
            path = self.out_dir / name
            if path.exists():
                text = path.read_text(errors="replace").splitlines()[-lines:]
                parts.append(f"--- {name}\n" + "\n".join(text))
        return "\n".join(parts)

    async def _dispatch(self) -> None:
        assert self._reader is not None
        while line := await self._reader.readline():
            message = json.loads(line)
            program = self._programs.get(message.get("id", ""))
            if program is not None:
                program._feed(message)
        for program in self._programs.values():
            if program.returncode is None:
                program.returncode = -1
                program.stderr.append("the guest's agent went away")
                program._changed.set()

    async def _send(self, message: dict[str, Any]) -> None:
        if self._writer is None or self._writer.is_closing():
            raise GuestError("the guest's agent is not connected")
        self._writer.write(json.dumps(message).encode() + b"\n")
        await self._writer.drain()

    async def spawn(
        self,
        argv: Sequence[str],
        *,
        name: str | None = None,
        env: dict[str, str] | None = None,
        stdin: bool = False,
    ) -> GuestProgram:
        """Start ``argv`` in the guest; its output streams back as it is printed. With
        ``stdin``, its standard input is a pipe :meth:`GuestProgram.type_in` writes to
        (otherwise it reads end-of-file)."""
        self._counter += 1
        ident = f"{name or Path(argv[0]).name}-{self._counter}"
        program = GuestProgram(self, ident)
        self._programs[ident] = program
        await self._send(
            {"op": "spawn", "id": ident, "argv": list(argv), "env": env or {}, "stdin": stdin}
        )
        return program

    async def run(self, argv: Sequence[str], timeout: float = 60.0) -> GuestProgram:
        """Run ``argv`` in the guest to its end."""
        program = await self.spawn(argv)
        await program.exited(timeout)
        return program

    async def signal(self, ident: str, signum: int) -> None:
        """Send ``signum`` to the guest program ``ident``."""
        await self._send({"op": "signal", "id": ident, "signal": int(signum)})

    def save_transcripts(self) -> None:
        """Write what every guest program printed to ``out_dir`` (``<id>.stdout``, ``.stderr``)."""
        for ident, program in self._programs.items():
            (self.out_dir / f"{ident}.stdout").write_text("\n".join(program.stdout) + "\n")
            (self.out_dir / f"{ident}.stderr").write_text("\n".join(program.stderr) + "\n")

    async def shutdown(self, timeout: float = 30.0) -> None:
        """Stop every guest program and the guest; QEMU is killed if it does not stop."""
        with contextlib.suppress(GuestError, ConnectionError):
            await self._send({"op": "poweroff"})
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self.process.wait()
        if self.process.returncode is None:
            self.process.kill()
            await self.process.wait()
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(ConnectionError):
                await self._writer.wait_closed()
        if self._pump is not None:
            self._pump.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._pump
