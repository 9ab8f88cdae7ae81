"""What the meter remembers across restarts: replay counters, the replies already handled, the
counters it signed with, the consumer's data-sharing consent and the power threshold.

Without this a restarted meter would accept an old copy of an IHD envelope again (a replay
window), would count an acknowledgement the IHD re-sent after a crash twice, would sign with a
counter the IHD already saw (and be refused as a replay), and would forget who may read the
consumer's half-hourly data.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from ihd_app.protocol.consent_terms import (
    Grant,
    GrantError,
    grant_from_details,
    grants_from_legacy,
)

#: How many handled replies are remembered (far more than an outbox ever re-sends).
REMEMBERED_REPLIES = 10_000
#: Handshake sessions remembered per display: a reply kept in the display's outbox through a
#: few dropped links still names one of them (replies are valid for a day).
REMEMBERED_SESSIONS = 32


class MeterState:
    """Replay counters and settings in a JSON file written atomically, and handled-reply
    digests in an append-only log beside it (rewriting thousands of digests on every reply made
    each acknowledgement and each history request cost a large file write).

    Implements :class:`ihd_app.protocol.replay.ReplayCounters`.

    Args:
        path: The state file (created on first change).
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._counters: dict[str, int] = {}
        self._handled: deque[str] = deque(maxlen=REMEMBERED_REPLIES)
        self._issued: dict[str, int] = {}
        #: The consumer's consents as the display last sent them (``Grant.to_details`` maps).
        self._grants: list[dict[str, object]] = []
        self._threshold: dict[str, float] | None = None
        #: When the current occupier moved in (a change of occupier), ISO 8601; ``None``: the
        #: household has been there all along.
        self._moved_in: str | None = None
        self._sessions: dict[str, list[str]] = {}
        #: Session -> key id (hex) of the display certificate its handshake verified, and
        #: key id -> that certificate (DER, base64): the display's replies in a session carry
        #: the key id alone.
        self._session_kids: dict[str, str] = {}
        self._certificates: dict[str, str] = {}
        #: The supply switch's latches that only an operator (or the consumer after one) lifts:
        #: a remote disconnection and a safety alarm (``RemoteSupply.saved``).
        self._supply_switch: dict[str, object] | None = None
        if path.exists():
            document = json.loads(path.read_text(encoding="utf-8"))
            self._counters = {str(k): int(v) for k, v in document.get("counters", {}).items()}
            # Files written before the log existed kept the digests in the JSON document.
            self._handled.extend(str(d) for d in document.get("handled", []))
            self._issued = {str(k): int(v) for k, v in document.get("issued", {}).items()}
            self._grants = _saved_grants(document)
            sessions = document.get("sessions", {})
            if isinstance(sessions, dict):
                self._sessions = {str(k): [str(s) for s in v] for k, v in sessions.items()}
            self._session_kids = {
                str(k): str(v) for k, v in document.get("session_kids", {}).items()
            }
            self._certificates = {
                str(k): str(v) for k, v in document.get("certificates", {}).items()
            }
            moved_in = document.get("moved_in")
            self._moved_in = moved_in if isinstance(moved_in, str) else None
            threshold = document.get("threshold")
            if isinstance(threshold, dict):
                self._threshold = {str(k): float(v) for k, v in threshold.items()}
            supply_switch = document.get("supply_switch")
            if isinstance(supply_switch, dict):
                self._supply_switch = {str(k): v for k, v in supply_switch.items()}
        self._log_path = path.with_name(path.stem + "-handled.log")
        self._log_lines = 0
        if self._log_path.exists():
            for line in self._log_path.read_text(encoding="utf-8").splitlines():
                self._replay_log_line(line)
        self._handled_set = set(self._handled)
        #: Counters advanced inside :meth:`reply`, not saved yet (``None``: not in a reply).
        self._deferred: dict[str, int] | None = None

    def _replay_log_line(self, line: str) -> None:
        """``DIGEST [ORIGINATOR=COUNTER ...]``: a handled reply and the counters it advanced."""
        words = line.split()
        if not words:
            return
        self._handled.append(words[0])
        self._log_lines += 1
        for word in words[1:]:
            originator, _, counter = word.rpartition("=")
            if originator and counter.isdigit():
                value = int(counter)
                if value > self._counters.get(originator, -1):
                    self._counters[originator] = value

    def _save(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self._path.with_suffix(".tmp")
        document = {
            "counters": self._counters,
            "issued": self._issued,
            "grants": self._grants,
            "threshold": self._threshold,
            "moved_in": self._moved_in,
            "sessions": self._sessions,
            "session_kids": self._session_kids,
            "certificates": self._certificates,
            "supply_switch": self._supply_switch,
        }
        temporary.write_text(json.dumps(document), encoding="utf-8")
        # Rename is atomic: a crash leaves the old state or the new one, never half of either.
        os.replace(temporary, self._path)

    def last_counter(self, originator: str) -> int | None:
        return self._counters.get(originator)

    def advance(self, originator: str, counter: int) -> bool:
        last = self._counters.get(originator)
        if last is not None and counter <= last:
            return False
        self._counters[originator] = counter
        if self._deferred is not None:
            self._deferred[originator] = counter  # written with the reply's digest
        else:
            self._save()
        return True

    @contextmanager
    def reply(self) -> Iterator[None]:
        """Handle one reply of the display: counters advanced inside are written together with
        its digest by :meth:`remember`, in one append.

        Saving the counter first and the digest after left a window: killed between the two,
        the meter refused the display's re-sent reply as a replay and never logged it. Now a
        kill before the append leaves neither (the re-sent reply is accepted), a kill after it
        leaves both (the re-sent reply is a known duplicate). Counters advanced by a reply that
        is not remembered (refused) are saved on leaving, as before.
        """
        self._deferred = {}
        try:
            yield
        finally:
            deferred, self._deferred = self._deferred, None
            if deferred:
                self._save()

    def handled(self, digest: str) -> bool:
        """Whether a reply with this digest was already handled."""
        return digest in self._handled_set

    def remember(self, digest: str) -> None:
        """Record that a reply was handled (with the counters it advanced, inside :meth:`reply`)."""
        advanced = self._deferred or {}
        line = " ".join([digest, *(f"{k}={v}" for k, v in sorted(advanced.items()))])
        if self._deferred:
            self._deferred = {}  # in the log now
        if len(self._handled) == self._handled.maxlen:
            self._handled_set.discard(self._handled[0])
        self._handled.append(digest)
        self._handled_set.add(digest)
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        if self._log_lines >= 2 * REMEMBERED_REPLIES:
            # Compact: keep what is remembered, atomically; the counters go to the state file.
            self._save()
            temporary = self._log_path.with_suffix(".tmp")
            temporary.write_text("\n".join(self._handled) + "\n", encoding="utf-8")
            os.replace(temporary, self._log_path)
            self._log_lines = len(self._handled)
            return
        # Appending and flushing survives the process being killed: the OS holds the write.
        with self._log_path.open("a", encoding="utf-8") as log:
            log.write(line + "\n")
        self._log_lines += 1

    def next_issued(self, originator: str) -> int:
        """The next counter to sign with as ``originator`` (the meter, or an operator whose
        console this is): above every one used before, even across restarts, and at least the
        current time in milliseconds so a wiped state does not go backwards."""
        counter = max(self._issued.get(originator, 0) + 1, time.time_ns() // 1_000_000)
        self._issued[originator] = counter
        self._save()
        return counter

    def open_session(self, ihd_id: str, session: str, certificate_der: bytes | None = None) -> None:
        """Record a session the handshake opened with display ``ihd_id`` (saved before the
        proof naming it leaves, so a reply bound to it is accepted after a restart), and the
        display's certificate that handshake verified, if the hello carried it."""
        kept = self._sessions.setdefault(ihd_id, [])
        kept.append(session)
        for forgotten in kept[:-REMEMBERED_SESSIONS]:
            self._session_kids.pop(forgotten, None)
        del kept[:-REMEMBERED_SESSIONS]
        if certificate_der is not None:
            kid = hashlib.sha256(certificate_der).hexdigest()
            self._session_kids[session] = kid
            self._certificates[kid] = base64.b64encode(certificate_der).decode("ascii")
        referenced = set(self._session_kids.values())
        for kid in [k for k in self._certificates if k not in referenced]:
            del self._certificates[kid]
        self._save()

    def session_certificate(self, kid: bytes, session: str | None) -> bytes | None:
        """The display certificate the handshake of ``session`` verified, if its key id is
        ``kid`` (implements :data:`ihd_app.protocol.verification.SessionSigners`)."""
        if session is None or self._session_kids.get(session) != kid.hex():
            return None
        encoded = self._certificates.get(kid.hex())
        return base64.b64decode(encoded) if encoded is not None else None

    def has_session(self, ihd_id: str, session: str) -> bool:
        """Whether the meter opened ``session`` with display ``ihd_id``."""
        return session in self._sessions.get(ihd_id, ())

    @property
    def grants(self) -> list[Grant]:
        """The consumer's consents, per party and purpose, as the display last sent them."""
        return [grant_from_details(entry) for entry in self._grants]

    def set_grants(self, grants: Sequence[Grant]) -> None:
        """Replace the consents of every party and purpose named in ``grants`` (a display
        sends all of them; an older display's ``{party: bool}`` names only its parties)."""
        named = {(g.party, g.purpose) for g in grants}
        kept = [g for g in self.grants if (g.party, g.purpose) not in named]
        self._grants = [g.to_details() for g in [*kept, *grants]]
        self._save()

    def clear_grants(self) -> int:
        """Forget every consent (a change of occupier: the next household starts from none);
        how many there were."""
        count = len(self._grants)
        self._grants = []
        self._save()
        return count

    @property
    def moved_in(self) -> datetime | None:
        """When the current occupier moved in, if a change of occupier was recorded."""
        return datetime.fromisoformat(self._moved_in) if self._moved_in else None

    def set_moved_in(self, moment: datetime) -> None:
        """Record a change of occupier at ``moment``."""
        self._moved_in = moment.isoformat()
        self._save()

    @property
    def threshold(self) -> tuple[float, float] | None:
        """The maximum power threshold (kW, grace seconds) a DNO set, if any."""
        if self._threshold is None:
            return None
        return self._threshold["threshold_kw"], self._threshold["grace_s"]

    def set_threshold(self, threshold: tuple[float, float] | None) -> None:
        """Remember the threshold (``None``: none)."""
        self._threshold = (
            None if threshold is None else {"threshold_kw": threshold[0], "grace_s": threshold[1]}
        )
        self._save()

    @property
    def supply_switch(self) -> dict[str, object] | None:
        """The supply switch's operator latches as last saved (``None``: none)."""
        return None if self._supply_switch is None else dict(self._supply_switch)

    def set_supply_switch(self, latches: Mapping[str, object] | None) -> None:
        """Remember the supply switch's operator latches (``None``: none), so a restart does
        not switch on a supply an operator disconnected or a safety alarm latched off."""
        self._supply_switch = None if latches is None else dict(latches)
        self._save()


def _saved_grants(document: Mapping[str, object]) -> list[dict[str, object]]:
    """The consents of a state file: ``grants`` entries that still read, or a file written
    before consent per purpose (``consent {party: bool}``) converted."""
    entries = document.get("grants")
    if isinstance(entries, list):
        grants: list[dict[str, object]] = []
        for entry in entries:
            try:
                grants.append(grant_from_details(entry).to_details())
            except GrantError:
                continue  # a consent that cannot be read allows nothing
        return grants
    legacy = document.get("consent")
    if isinstance(legacy, Mapping):
        at = datetime.fromtimestamp(0, UTC)
        choices = {str(k): bool(v) for k, v in legacy.items()}
        return [g.to_details() for g in grants_from_legacy(choices, at)]
    return []
