"""What the meter remembers across restarts: replay counters and the replies already handled.

Without this a restarted meter would accept an old copy of an IHD envelope again (a replay
window), and would count an acknowledgement the IHD re-sent after a crash twice.
"""

from __future__ import annotations

import json
import os
from collections import deque
from pathlib import Path

#: How many handled replies are remembered (far more than an outbox ever re-sends).
REMEMBERED_REPLIES = 10_000


class MeterState:
    """Replay counters and handled-reply digests in a JSON file, written atomically.

    Implements :class:`ihd_app.protocol.replay.ReplayCounters`.

    Args:
        path: The state file (created on first change).
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._counters: dict[str, int] = {}
        self._handled: deque[str] = deque(maxlen=REMEMBERED_REPLIES)
        if path.exists():
            document = json.loads(path.read_text(encoding="utf-8"))
            self._counters = {str(k): int(v) for k, v in document.get("counters", {}).items()}
            self._handled.extend(str(d) for d in document.get("handled", []))
        self._handled_set = set(self._handled)

    def _save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_suffix(".tmp")
        temporary.write_text(
            json.dumps({"counters": self._counters, "handled": list(self._handled)}),
            encoding="utf-8",
        )
        # Rename is atomic: a crash leaves the old state or the new one, never half of either.
        os.replace(temporary, self._path)

    def last_counter(self, originator: str) -> int | None:
        return self._counters.get(originator)

    def advance(self, originator: str, counter: int) -> bool:
        last = self._counters.get(originator)
        if last is not None and counter <= last:
            return False
        self._counters[originator] = counter
        self._save()
        return True

    def handled(self, digest: str) -> bool:
        """Whether a reply with this digest was already handled."""
        return digest in self._handled_set

    def remember(self, digest: str) -> None:
        """Record that a reply was handled."""
        if len(self._handled) == self._handled.maxlen:
            self._handled_set.discard(self._handled[0])
        self._handled.append(digest)
        self._handled_set.add(digest)
        self._save()
