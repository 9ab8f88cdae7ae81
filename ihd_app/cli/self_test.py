"""``ihd --self-test``: proves an installed (or frozen) display works without a radio.

It decodes every committed unit test vector, verifies every committed envelope test vector with
the DEMO trust store and the default policy (each must get its documented verdict), then opens
the window offscreen on a service that is never started (no radio, a throw-away data dir) and
paints every screen. A frozen build that forgot a resource, a hidden import or a Qt plugin fails
one of these steps with a sentence saying which.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from ihd_app.protocol.errors import DecodeError, IhdError
from ihd_app.protocol.pki import TrustStore
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.resources import default_policy_path, demo_trust_dir, vectors_directory
from ihd_app.protocol.vector_verifier import vector_verifier
from ihd_app.protocol.zcl import decode_frame, decode_unit

#: Cluster of the bare ZCL frames among the unit vectors (the GBCS DisplayMessage).
MESSAGING_CLUSTER = 0x0703


class SelfTestError(IhdError):
    """A self-test step did not give what it should; the message is a sentence for a person."""


@dataclass(frozen=True)
class EnvelopeSummary:
    """What the envelope step checked.

    Attributes:
        checked: Envelopes verified.
        accepted: Of which accepted (the rest refused, each with its documented reason).
    """

    checked: int
    accepted: int


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SelfTestError(f"cannot read {path}: {error.strerror}") from None
    except ValueError:
        raise SelfTestError(f"{path} is not valid JSON") from None


def check_unit_vectors(vectors: Path) -> int:
    """Decode and re-encode every unit vector in ``vectors/units``; returns how many.

    Raises:
        SelfTestError: A vector is missing, does not decode, or decodes differently from its
            documented decoding.
    """
    paths = sorted((vectors / "units").glob("*.json"))
    if not paths:
        raise SelfTestError(f"no unit test vectors in {vectors / 'units'}")
    for path in paths:
        entry = _read_json(path)
        try:
            data = bytes.fromhex(entry["hex"])
            decoded = (
                decode_frame(data, MESSAGING_CLUSTER)
                if entry["kind"] == "bare ZCL frame"
                else decode_unit(data)
            )
        except DecodeError as error:
            raise SelfTestError(
                f"unit vector {path.stem} did not decode ({error.reason.value})"
            ) from None
        except (KeyError, TypeError, ValueError):
            raise SelfTestError(f"unit vector {path.stem} is not a vector file") from None
        if decoded.to_dict() != entry["decoded"]:
            raise SelfTestError(f"unit vector {path.stem} decoded differently from its document")
        if decoded.encode() != data:
            raise SelfTestError(f"unit vector {path.stem} did not re-encode to the same bytes")
    return len(paths)


def _fixed_clock(moment: datetime) -> Callable[[], datetime]:
    """A clock stopped at ``moment`` (the vectors are valid only at their documented time)."""
    return lambda: moment


def check_envelope_vectors(vectors: Path, trust_dir: Path, policy_path: Path) -> EnvelopeSummary:
    """Verify every envelope of ``vectors/index.json``; each must get its documented verdict.

    Raises:
        SelfTestError: The trust store or policy does not load, or a verdict differs.
    """
    index = _read_json(vectors / "index.json")
    try:
        trust = TrustStore.from_directory(trust_dir)
        policy = Policy.from_file(policy_path)
    except (IhdError, OSError) as error:
        raise SelfTestError(f"the trust store or policy did not load: {error}") from None
    accepted = 0
    entries = index.get("vectors", []) if isinstance(index, dict) else []
    if not entries:
        raise SelfTestError(f"no envelope test vectors in {vectors / 'index.json'}")
    for entry in entries:
        name = entry.get("name", "?")
        try:
            verifier = vector_verifier(entry, trust, policy)
            data = (vectors / entry["file"]).read_bytes()
            expected = entry["expected"]["reason"]
        except OSError as error:
            raise SelfTestError(
                f"envelope vector {name} cannot be read: {error.strerror}"
            ) from None
        except (KeyError, TypeError, ValueError):
            raise SelfTestError(f"envelope vector {name} is not a vector entry") from None
        verdict = verifier.verify(data)
        got = verdict.reason.value if verdict.reason else None
        if got != expected:
            raise SelfTestError(
                f"envelope vector {name} was {got or 'accepted'} but should be "
                f"{expected or 'accepted'}"
            )
        accepted += verdict.accepted
    return EnvelopeSummary(len(entries), accepted)


def run_self_test(
    out: TextIO,
    *,
    vectors: Path | None = None,
    trust_dir: Path | None = None,
    policy_path: Path | None = None,
    window_check: Callable[[], str] | None = None,
) -> None:
    """Run every step, printing one line per step to ``out``.

    Args:
        out: Where progress lines go.
        vectors: Test vectors (default: the bundled ones).
        trust_dir: Trust store (default: DEMO).
        policy_path: Policy (default: the bundled one).
        window_check: Opens the window and describes it (default: offscreen, every screen).

    Raises:
        SelfTestError: The first step that failed, as a sentence.
    """
    vectors = vectors or vectors_directory()
    units = check_unit_vectors(vectors)
    print(f"self-test: {units} unit test vectors decoded as documented", file=out)
    summary = check_envelope_vectors(
        vectors, trust_dir or demo_trust_dir(), policy_path or default_policy_path()
    )
    print(
        f"self-test: {summary.checked} envelopes verified with the DEMO trust store "
        f"({summary.accepted} accepted, {summary.checked - summary.accepted} refused, "
        "each as documented)",
        file=out,
    )
    print(f"self-test: {(window_check or open_window_offscreen)()}", file=out)


def open_window_offscreen() -> str:
    """Open the window on Qt's offscreen platform and paint every screen; describes it.

    Raises:
        SelfTestError: Qt or the window could not be brought up.
    """
    # Before Qt loads: a self-test must not need (or flash on) a screen.
    if not os.environ.get("QT_QPA_PLATFORM"):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from ihd_app.ui.self_test import paint_every_screen  # noqa: PLC0415 - Qt only for this step

    try:
        return paint_every_screen()
    except IhdError as error:
        raise SelfTestError(str(error)) from None


def self_test_main(out: TextIO | None = None, err: TextIO | None = None) -> int:
    """``ihd --self-test``: 0 when every step passed, else 1 with a sentence on ``err``."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        run_self_test(out)
    except SelfTestError as error:
        print(f"ihd: self-test failed: {error}", file=err)
        return 1
    except Exception as error:  # e.g. a module a frozen build left out: still one sentence
        print(
            f"ihd: self-test failed: the program itself is broken ({type(error).__name__}: "
            f"{error})",
            file=err,
        )
        return 1
    print("self-test: passed", file=out)
    return 0
