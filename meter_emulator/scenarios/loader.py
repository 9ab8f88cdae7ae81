"""Finding and loading scenario files: shipped scenarios by name, and :func:`load_scenario`,
which reads and checks a whole file before anything is played, naming the file, line and step
of the first problem."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from ihd_app.protocol.compose import compose
from ihd_app.protocol.errors import EncodeError
from ihd_app.protocol.resources import resources_dir
from meter_emulator.scenarios.actions import ACTIONS, COMMON_FIELDS, number_field
from meter_emulator.scenarios.message_request import message_request
from meter_emulator.scenarios.model import Scenario, ScenarioError, Step
from meter_emulator.scenarios.times import LONDON, parse_duration, parse_start


def scenarios_dir() -> Path:
    """The shipped scenarios."""
    return resources_dir() / "scenarios"


def shipped_scenarios() -> list[Path]:
    """Every shipped scenario file, by name."""
    return sorted(scenarios_dir().glob("*.toml"))


def resolve_scenario(name_or_file: str) -> Path:
    """A shipped scenario's file (by name) or the given file.

    Raises:
        ScenarioError: Neither exists.
    """
    path = Path(name_or_file)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ScenarioError(path, 0, 0, "", "no such scenario file")
        return path
    shipped = scenarios_dir() / f"{name_or_file}.toml"
    if shipped.is_file():
        return shipped
    names = ", ".join(p.stem for p in shipped_scenarios())
    raise ScenarioError(path, 0, 0, "", f"no scenario of that name (shipped: {names})")


class _Lines:
    """Finds the line of a step or of a field in the file's text."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._steps = [
            n + 1 for n, line in enumerate(self._lines) if line.strip().startswith("[[step]]")
        ]

    def step(self, index: int) -> int:
        return self._steps[index] if index < len(self._steps) else 0

    def field(self, index: int, key: str) -> int:
        start = self.step(index)
        if not start:
            return 0
        end = self._steps[index + 1] if index + 1 < len(self._steps) else len(self._lines) + 1
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        for number in range(start, end - 1):
            if pattern.match(self._lines[number]):
                return number + 1
        return start

    def header(self, key: str) -> int:
        pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
        first_step = self._steps[0] if self._steps else len(self._lines) + 1
        for number, line in enumerate(self._lines[: first_step - 1]):
            if pattern.match(line):
                return number + 1
        return 0


def load_scenario(path: Path, *, today: date | None = None) -> Scenario:
    """Read and check a scenario file.

    Raises:
        ScenarioError: The file is missing, not TOML, or something in it is wrong.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(path, 0, 0, "", f"cannot be read: {exc.strerror or exc}") from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        problem = str(exc).replace(where.group(0), "").strip() if where else str(exc)
        line = int(where.group(1)) if where else 0
        raise ScenarioError(path, line, 0, "", f"not valid TOML: {problem}") from None
    except UnicodeDecodeError:
        raise ScenarioError(path, 0, 0, "", "is not UTF-8 text") from None
    lines = _Lines(text)

    def fail(problem: str, key: str = "") -> ScenarioError:
        return ScenarioError(path, lines.header(key) if key else 0, 0, "", problem)

    unknown = set(document) - {"scenario", "step"}
    if unknown:
        raise fail(f"unknown top-level key(s) {sorted(unknown)}; expected [scenario] and [[step]]")
    header = document.get("scenario")
    if not isinstance(header, dict):
        raise fail("has no [scenario] table (title, description, speed, start)")
    extra = set(header) - {"title", "description", "speed", "start"}
    if extra:
        raise fail(f"[scenario] has unknown key(s) {sorted(extra)}", sorted(extra)[0])
    title = header.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail("[scenario] needs a title", "title")
    description = header.get("description", "")
    if not isinstance(description, str):
        raise fail("[scenario] description must be text", "description")
    speed: float | None = None
    if "speed" in header:
        try:
            speed = number_field(0, above=True, high=100_000)(header["speed"])
        except ValueError as exc:
            raise fail(f"speed {exc}", "speed") from None
    start: datetime | None = None
    if "start" in header:
        try:
            start = parse_start(header["start"], today or datetime.now(LONDON).date())
        except ValueError as exc:
            raise fail(str(exc), "start") from None
    raw_steps = document.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise fail("has no [[step]] tables")
    steps: list[Step] = []
    names: set[str] = set()
    previous_at = 0.0
    for index, raw in enumerate(raw_steps):
        step = _check_step(path, lines, index, raw, previous_at, names)
        previous_at = step.at_s
        steps.append(step)
    return Scenario(
        name=path.stem,
        title=title.strip(),
        description=description.strip(),
        speed=speed,
        start=start,
        steps=tuple(steps),
        source=path,
    )


def _check_step(
    path: Path,
    lines: _Lines,
    index: int,
    raw: object,
    previous_at: float,
    names: set[str],
) -> Step:
    n = index + 1
    action = raw.get("action") if isinstance(raw, dict) else None

    def fail(problem: str, key: str = "") -> ScenarioError:
        line = lines.field(index, key) if key else lines.step(index)
        return ScenarioError(path, line, n, str(action or "?"), problem)

    if not isinstance(raw, dict):
        raise fail("must be a table")
    if action not in ACTIONS:
        raise fail(f"action must be one of {', '.join(ACTIONS)}, not {action!r}", "action")
    required, optional = ACTIONS[action]
    unknown = set(raw) - COMMON_FIELDS - set(required) - set(optional)
    if unknown:
        key = sorted(unknown)[0]
        allowed = ", ".join(sorted(set(required) | set(optional) | COMMON_FIELDS))
        raise fail(f"unknown field '{key}' (this action takes: {allowed})", key)
    at = previous_at
    if "at" in raw:
        try:
            at = parse_duration(raw["at"])
        except ValueError as exc:
            raise fail(f"at: {exc}", "at") from None
        if at < previous_at:
            raise fail(
                f"at {at:g} s is before the previous step's {previous_at:g} s (steps run in order)",
                "at",
            )
    fields: dict[str, Any] = {}
    for key, check in (*required.items(), *optional.items()):
        if key not in raw:
            if key in required:
                raise fail(f"needs '{key}'")
            continue
        try:
            fields[key] = check(raw[key])
        except ValueError as exc:
            raise fail(f"'{key}' {exc}", key) from None
    if action in ("send", "flexibility"):
        if action == "send":
            _check_message(fields, fail)
        name = fields.get("name")
        if name is not None:
            if name in names:
                raise fail(f"name '{name}' is already used by an earlier step", "name")
            names.add(name)
    elif action in ("supersede", "cancel"):
        if fields["ref"] not in names:
            raise fail(f"ref '{fields['ref']}' names no earlier 'send' step", "ref")
    elif action == "appliance" and ("on" in fields) == ("state" in fields):
        raise fail("needs either on = true|false or state = 'on'|'off'|'auto'")
    elif action == "wait-for":
        for value in fields.get("match", {}).values():
            if isinstance(value, str) and value.startswith("@") and value[1:] not in names:
                raise fail(f"match value '{value}' names no earlier 'send' step", "match")
    return Step(n, lines.step(index), at, str(action), fields)


def _check_message(fields: Mapping[str, Any], fail: Callable[[str, str], ScenarioError]) -> None:
    """Compose the message once with placeholder times, so a missing text or threshold is found
    now and not in front of an audience."""
    now = datetime.now(UTC)
    try:
        compose(message_request(fields, lambda s: now + timedelta(seconds=s), message_id=1))
    except EncodeError as exc:
        raise fail(exc.detail, "type") from None


__all__ = ["load_scenario", "resolve_scenario", "scenarios_dir", "shipped_scenarios"]
