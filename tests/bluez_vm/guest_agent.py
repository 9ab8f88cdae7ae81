"""The BlueZ guest's command agent: runs programs the host asks for and streams their output back.

It runs inside the guest (stage 2 starts it with the host's own Python, read over 9p) and talks
JSON lines over the virtio-serial port named ``ihd.agent``, which QEMU connects to a socket the
test listens on. Standard library only: it starts before anything else and must start fast.

Host to guest::

    {"op": "spawn", "id": "ihd", "argv": [...], "env": {...}, "stdin": false}
                                                                start a program (its standard
                                                                input a pipe if "stdin")
    {"op": "signal", "id": "ihd", "signal": 15}                 signal it
    {"op": "stdin", "id": "ihd", "text": "123456\n"}            type into its standard input
    {"op": "poweroff"}                                          stop the guest

Guest to host::

    {"op": "ready", "uptime": 9.8}
    {"op": "line", "id": "ihd", "stream": "stdout", "line": "..."}
    {"op": "exit", "id": "ihd", "code": 0}
    {"op": "error", "id": "ihd", "message": "..."}
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
from pathlib import Path
from typing import IO, Any

PORT_NAME = "ihd.agent"


def _port_device() -> Path:
    for port in Path("/sys/class/virtio-ports").iterdir():
        if (port / "name").read_text().strip() == PORT_NAME:
            return Path("/dev") / port.name
    raise SystemExit(f"bluez-vm agent: no virtio port named {PORT_NAME}")


class Agent:
    def __init__(self, device: Path) -> None:
        self._fd = os.open(device, os.O_RDWR)
        self._lock = threading.Lock()
        self._processes: dict[str, subprocess.Popen[bytes]] = {}

    def send(self, message: dict[str, Any]) -> None:
        data = json.dumps(message).encode() + b"\n"
        with self._lock:
            view = memoryview(data)
            while view:
                view = view[os.write(self._fd, view) :]

    def _pump(self, ident: str, stream: str, pipe: IO[bytes]) -> None:
        for raw in pipe:
            line = raw.decode(errors="replace").rstrip("\n")
            self.send({"op": "line", "id": ident, "stream": stream, "line": line})

    def _watch(
        self, ident: str, process: subprocess.Popen[bytes], pumps: list[threading.Thread]
    ) -> None:
        code = process.wait()
        for pump in pumps:
            pump.join()
        self.send({"op": "exit", "id": ident, "code": code})

    def spawn(self, ident: str, argv: list[str], env: dict[str, str], stdin: bool) -> None:
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env={**os.environ, **env},
            )
        except OSError as error:
            self.send({"op": "error", "id": ident, "message": str(error)})
            self.send({"op": "exit", "id": ident, "code": 127})
            return
        self._processes[ident] = process
        assert process.stdout is not None
        assert process.stderr is not None
        pumps = [
            threading.Thread(target=self._pump, args=(ident, name, pipe), daemon=True)
            for name, pipe in (("stdout", process.stdout), ("stderr", process.stderr))
        ]
        for pump in pumps:
            pump.start()
        threading.Thread(target=self._watch, args=(ident, process, pumps), daemon=True).start()

    def type_in(self, ident: str, text: str) -> None:
        process = self._processes.get(ident)
        if process is None or process.stdin is None or process.poll() is not None:
            return
        try:
            process.stdin.write(text.encode())
            process.stdin.flush()
        except OSError as error:
            self.send({"op": "error", "id": ident, "message": f"stdin: {error}"})

    def serve(self) -> None:
        uptime = float(Path("/proc/uptime").read_text().split()[0])
        self.send({"op": "ready", "uptime": uptime})
        buffered = b""
        while True:
            chunk = os.read(self._fd, 65536)
            if not chunk:
                # The host closed its end: the port reads empty until it reconnects; the host
                # only closes when it is done with the guest.
                return
            buffered += chunk
            while b"\n" in buffered:
                line, buffered = buffered.split(b"\n", 1)
                message = json.loads(line)
                op = message.get("op")
                if op == "spawn":
                    self.spawn(
                        message["id"],
                        message["argv"],
                        message.get("env", {}),
                        bool(message.get("stdin")),
                    )
                elif op == "stdin":
                    self.type_in(message["id"], message["text"])
                elif op == "signal":
                    process = self._processes.get(message["id"])
                    if process is not None and process.poll() is None:
                        process.send_signal(message["signal"])
                elif op == "poweroff":
                    for process in self._processes.values():
                        if process.poll() is None:
                            process.send_signal(signal.SIGTERM)
                    return


if __name__ == "__main__":
    Agent(_port_device()).serve()
