"""Speech with the ``espeak-ng`` program (Debian's ``espeak-ng`` package).

Each utterance is one ``espeak-ng`` process run by :class:`~PySide6.QtCore.QProcess`, so the Qt
event loop never waits for speech; utterances are read one after the other. The text goes in on
standard input, never on the command line: a message's words come from the energy industry, and
an argument starting with ``-`` would be taken for an option (``-w FILE`` writes a file).
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QProcess, Signal

from ihd_app.ui.spoken import in_words

logger = logging.getLogger(__name__)

#: The program, found on ``PATH``.
PROGRAM = "espeak-ng"
#: British English: the display is for GB homes.
VOICE = "en-gb"
#: Words per minute. espeak-ng's default (175) is brisk for a warning heard once; RNIB's advice
#: for synthetic speech is to start slower.
WORDS_PER_MINUTE = 150
#: How long :meth:`EspeakSpeaker.stop` waits for a killed process to be reaped (milliseconds):
#: SIGKILL ends it at once, this only bounds a wedged kernel.
REAP_MS = 2000


@dataclass(frozen=True)
class Utterance:
    """One text to read.

    Attributes:
        text: What to say.
        interruptible: Read on request: the next utterance cuts it short.
        wav: Where it is recorded instead of played (record mode), else ``None``.
    """

    text: str
    interruptible: bool
    wav: Path | None


class EspeakSpeaker(QObject):
    """Reads aloud through ``espeak-ng``, or records what it would say to WAV files.

    Attributes:
        utterance_ended: An utterance ended (the :class:`Utterance`, and ``True`` when the
            program read it to the end, ``False`` when it was cut short or failed).
    """

    utterance_ended = Signal(object, bool)

    def __init__(
        self,
        program: str,
        *,
        record_dir: Path | None = None,
        voice: str = VOICE,
        words_per_minute: int = WORDS_PER_MINUTE,
        parent: QObject | None = None,
    ) -> None:
        """Speak with ``program``.

        Args:
            program: Path of ``espeak-ng``.
            record_dir: Write each utterance to ``utterance-<n>.wav`` here instead of playing it.
            voice: espeak-ng voice.
            words_per_minute: Speed.
            parent: Owner.
        """
        super().__init__(parent)
        self._program = program
        self._record_dir = record_dir
        self._options = ["-v", voice, "-s", str(words_per_minute)]
        self._queue: deque[Utterance] = deque()
        self._process: QProcess | None = None
        self._current: Utterance | None = None
        self._recorded = 0

    @property
    def available(self) -> bool:
        """Always: it exists because the program was found."""
        return True

    @property
    def speaking(self) -> bool:
        """Whether an utterance is being read."""
        return self._process is not None

    def say(self, text: str, *, interruptible: bool = False) -> None:
        """Read ``text`` after what is being read; cut short a reading on request first."""
        text = " ".join(in_words(text).split())
        if not text:
            return
        # A reading on request never holds up what comes next (an alarm, or a fresher request).
        self._queue = deque(u for u in self._queue if not u.interruptible)
        if self._current is not None and self._current.interruptible:
            self._abort()
        self._queue.append(Utterance(text, interruptible, self._next_wav()))
        self._start_next()

    def stop(self) -> None:
        """Stop reading and forget the rest; no process is left running."""
        self._queue.clear()
        self._abort()

    # -- processes --------------------------------------------------------------------------
    def _next_wav(self) -> Path | None:
        if self._record_dir is None:
            return None
        self._recorded += 1
        return self._record_dir / f"utterance-{self._recorded}.wav"

    def _start_next(self) -> None:
        if self._process is not None or not self._queue:
            return
        utterance = self._queue.popleft()
        arguments = [*self._options, "--stdin"]
        if utterance.wav is not None:
            arguments += ["-w", str(utterance.wav)]
        process = QProcess(self)
        process.setProgram(self._program)
        process.setArguments(arguments)
        # Bound methods, not closures over the process: nothing but Qt's parent keeps a process
        # (or this speaker) alive, so Python's garbage collector never deletes a Qt object.
        process.finished.connect(self._ended)
        process.errorOccurred.connect(self._failed)
        self._process, self._current = process, utterance
        process.start()
        process.write(utterance.text.encode())
        process.closeWriteChannel()

    def _ended(self, code: int, status: QProcess.ExitStatus) -> None:
        process = self.sender()
        if not isinstance(process, QProcess) or process is not self._process:
            return  # cut short by _abort, which has told already
        utterance = self._finish(process)
        complaint = bytes(process.readAllStandardError().data()).decode(errors="replace").strip()
        ok = status is QProcess.ExitStatus.NormalExit and code == 0
        if not ok:
            logger.warning("espeak-ng failed (exit code %s): %s", code, complaint or "no message")
        elif complaint:
            # Typically no sound output: espeak-ng says so and exits 0.
            logger.info("espeak-ng (is there a sound output?): %s", complaint.splitlines()[-1])
        self.utterance_ended.emit(utterance, ok)
        self._start_next()

    def _failed(self, error: QProcess.ProcessError) -> None:
        process = self.sender()
        # Only a process that never started gets no finished signal.
        if not isinstance(process, QProcess) or process is not self._process:
            return
        if error is not QProcess.ProcessError.FailedToStart:
            return
        utterance = self._finish(process)
        logger.warning("espeak-ng could not start: %s", process.errorString())
        self.utterance_ended.emit(utterance, False)
        self._start_next()

    def _finish(self, process: QProcess) -> Utterance:
        utterance = self._current
        assert utterance is not None
        self._process, self._current = None, None
        process.deleteLater()
        return utterance

    def _abort(self) -> None:
        process = self._process
        if process is None:
            return
        utterance = self._finish(process)
        process.kill()
        process.waitForFinished(REAP_MS)
        self.utterance_ended.emit(utterance, False)
