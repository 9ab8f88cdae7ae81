"""Scenario files: a workshop's script as TOML (format in docs/scenarios.md).

A scenario is a ``[scenario]`` table (title, description, default speed, simulated start) and
an ordered list of ``[[step]]`` tables, each with an ``at`` offset in simulated seconds and an
``action``. :func:`load_scenario` reads and checks a file completely before anything is played,
and a problem is one :class:`ScenarioError` line: ``FILE:LINE: step N (ACTION): what is wrong``.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from ihd_app.protocol.compose import MessageRequest, compose
from ihd_app.protocol.errors import EncodeError, IhdError
from ihd_app.protocol.message_types import message_type, message_type_names
from ihd_app.protocol.resources import resources_dir
from ihd_app.protocol.zcl import Endpoint, Importance
from meter_emulator.attacks.forgery import ATTACKS
from meter_emulator.attacks.link_demonstrations import DEMONSTRATION_NAMES
from meter_emulator.simulation.premises import appliance_named, appliance_names

#: Local time of the household (and of "HH:MM" starts).
LONDON = ZoneInfo("Europe/London")
#: Roles the operator console signs as.
ROLES = ("dno", "gdn", "supplier")
_DURATION = re.compile(
    r"^\s*(?:(\d+(?:\.\d+)?)\s*h)?\s*(?:(\d+(?:\.\d+)?)\s*m)?\s*(?:(\d+(?:\.\d+)?)\s*s)?\s*$"
)
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")


class ScenarioError(IhdError):
    """A scenario file that cannot be played.

    Attributes:
        path: The file.
        line: The line of the problem (0 if unknown).
        step: The step's number (1-based; 0 for the file or its ``[scenario]`` table).
        action: The step's action, if known.
        problem: What is wrong, in one sentence.
    """

    def __init__(self, path: Path, line: int, step: int, action: str, problem: str) -> None:
        self.path = path
        self.line = line
        self.step = step
        self.action = action
        self.problem = problem
        where = f"{path}:{line}" if line else str(path)
        what = f"step {step} ({action})" if step and action else (f"step {step}" if step else "")
        super().__init__(f"{where}: {what + ': ' if what else ''}{problem}")


# -- values --------------------------------------------------------------------------------------


def parse_duration(value: object) -> float:
    """Seconds from ``90``, ``90.5``, ``"90s"``, ``"2m"``, ``"1h30m"``, ``"1h 30m 10s"``.

    Raises:
        ValueError: Anything else, or a negative number.
    """
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a duration")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError(f"{value} is negative")
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value.lstrip("+"))
        if match and any(match.groups()):
            hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
            return hours * 3600 + minutes * 60 + seconds
    raise ValueError(f"{value!r} is not a duration (use seconds, or e.g. '90s', '5m', '1h30m')")


@dataclass(frozen=True)
class TimeSpec:
    """A time in a step: ``now``, an offset in simulated time (``+2h``) or an instant.

    Attributes:
        offset_s: Simulated seconds from when the step runs (``None`` for an instant).
        instant: An absolute instant.
    """

    offset_s: float | None = None
    instant: datetime | None = None

    def resolve(self, wall_after: Callable[[float], datetime]) -> datetime:
        """The wall-clock instant (offsets are compressed by the speed: the IHD runs on real
        time)."""
        if self.instant is not None:
            return self.instant
        return wall_after(self.offset_s or 0.0)


def parse_time(value: object) -> TimeSpec:
    """``"now"``, ``"+90m"`` (an offset) or an ISO-8601 instant (UTC without an offset).

    Raises:
        ValueError: Anything else.
    """
    if not isinstance(value, str | datetime):
        raise ValueError(f"{value!r} is not a time ('now', '+2h' or ISO 8601)")
    if isinstance(value, datetime):
        return TimeSpec(instant=value if value.tzinfo else value.replace(tzinfo=UTC))
    text = value.strip()
    if text.lower() == "now":
        return TimeSpec(offset_s=0.0)
    if text.startswith("+"):
        return TimeSpec(offset_s=parse_duration(text[1:]))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"'{value}' is not a time ('now', '+2h' or ISO 8601)") from None
    return TimeSpec(instant=moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def parse_start(value: object, today: date) -> datetime:
    """The simulated start: ``"HH:MM"`` (that time today, UK local time) or an ISO instant.

    Raises:
        ValueError: Anything else.
    """
    if isinstance(value, str):
        match = _HHMM.match(value.strip())
        if match:
            return datetime.combine(today, time(int(match[1]), int(match[2])), tzinfo=LONDON)
    problem = f"start {value!r} must be 'HH:MM' (UK time today) or an ISO-8601 instant"
    try:
        spec = parse_time(value)
    except ValueError:
        raise ValueError(problem) from None
    if spec.instant is None:
        raise ValueError(problem)
    return spec.instant


# -- field checkers ------------------------------------------------------------------------------


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be non-empty text")
    return value


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def _number(low: float, *, above: bool = False, high: float | None = None) -> Callable[..., float]:
    def check(value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"must be a number, not {value!r}")
        if (value <= low) if above else (value < low):
            raise ValueError(f"must be {'above' if above else 'at least'} {low:g}, not {value}")
        if high is not None and value > high:
            raise ValueError(f"must be at most {high:g}, not {value}")
        return float(value)

    return check


def _integer(low: int, high: int) -> Callable[..., int]:
    def check(value: object) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ValueError(f"must be a whole number from {low} to {high}, not {value!r}")
        return value

    return check


def _choice(*options: str) -> Callable[..., str]:
    def check(value: object) -> str:
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}, not {value!r}")
        return str(value)

    return check


def _type(value: object) -> str:
    if not isinstance(value, str) or message_type(value) is None:
        raise ValueError(
            f"must be a message type ({', '.join(message_type_names())}), not {value!r}"
        )
    return value


def _name(value: object) -> str:
    if not isinstance(value, str) or not _NAME.match(value):
        raise ValueError("must be a short name (letters, digits, '-' or '_')")
    return value


def _appliance(value: object) -> str:
    try:
        appliance_named(str(value))
    except ValueError:
        known = ", ".join(appliance_names())
        raise ValueError(f"must name an appliance ({known}), not {value!r}") from None
    return str(value)


def _attack(value: object) -> str:
    names = [a.name for a in ATTACKS] + list(DEMONSTRATION_NAMES)
    if value != "all" and value not in names:
        raise ValueError(f"must be 'all' or one of {', '.join(names)}, not {value!r}")
    return str(value)


def _volts(value: object) -> float | None:
    if value == "normal":
        return None
    return _number(0, above=True, high=1000)(value)


def _bands(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not value:
        raise ValueError("must be a non-empty array of tables {name, start, end, pence_per_kwh}")
    bands = []
    for index, band in enumerate(value):
        if not isinstance(band, dict):
            raise ValueError(f"bands[{index}] must be a table")
        unknown = set(band) - {"name", "start", "end", "pence_per_kwh"}
        if unknown:
            raise ValueError(f"bands[{index}] has unknown key(s) {sorted(unknown)}")
        try:
            _text(band.get("name"))
            for edge in ("start", "end"):
                clock = band.get(edge)
                if not (isinstance(clock, str) and (_HHMM.match(clock) or clock == "24:00")):
                    raise ValueError(f"{edge} must be 'HH:MM'")
            _number(0, high=10_000)(band.get("pence_per_kwh"))
        except ValueError as exc:
            raise ValueError(f"bands[{index}]: {exc}") from None
        bands.append(dict(band))
    return bands


def _match(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("must be a table of event fields, e.g. { type = 'supply.interrupted' }")
    return dict(value)


def _time(value: object) -> TimeSpec:
    return parse_time(value)


#: Fields a message step may carry, and their checks.
_MESSAGE_FIELDS: dict[str, Callable[..., Any]] = {
    "text": _text,
    "importance": _choice("low", "medium", "high", "critical"),
    "confirm": _bool,
    "start": _time,
    "duration_min": _integer(0, 0xFFFE),
    "outage_start": _time,
    "outage_end": _time,
    "threshold_kw": _number(0, above=True),
    "grace_s": _number(0),
    "price": _number(0, high=10_000),
    "rate_label": _text,
    "standing_charge": _number(0, high=100_000),
    "tariff_label": _text,
    "bands": _bands,
    "periods": _integer(1, 255),
    "fuel": _choice("electricity", "gas"),
    "valid_for_min": _number(0, above=True),
}

#: For each action: required fields, optional fields.
ACTIONS: dict[str, tuple[dict[str, Callable[..., Any]], dict[str, Callable[..., Any]]]] = {
    "send": (
        {"role": _choice(*ROLES), "type": _type},
        {**_MESSAGE_FIELDS, "name": _name, "message_id": _integer(1, 0xFFFFFFFF), "signer": _text},
    ),
    "supersede": ({"ref": _name}, dict(_MESSAGE_FIELDS)),
    "cancel": ({"ref": _name}, {}),
    "cancel-all": ({"role": _choice(*ROLES)}, {}),
    "attack": ({"name": _attack}, {}),
    "appliance": ({"name": _appliance}, {"on": _bool, "state": _choice("on", "off", "auto")}),
    "outage-start": ({}, {}),
    "outage-end": ({}, {}),
    "voltage": ({"volts": _volts}, {}),
    "safety-alarm": ({}, {"text": _text}),
    "restore": ({}, {}),
    "gas-valve-open": ({}, {}),
    "wait-for": (
        {"event": _text},
        {"timeout_s": _number(0, above=True), "match": _match, "count": _integer(1, 1000)},
    ),
    "note": ({"text": _text}, {}),
}

_COMMON = {"at", "action"}


@dataclass(frozen=True)
class Step:
    """One step of a scenario.

    Attributes:
        n: Its number (1-based).
        line: The line of its ``[[step]]`` header.
        at_s: When it runs, in simulated seconds from the scenario's start (never before the
            previous step has finished).
        action: What it does.
        fields: Its checked fields (times as :class:`TimeSpec`, durations in seconds).
    """

    n: int
    line: int
    at_s: float
    action: str
    fields: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """A checked scenario.

    Attributes:
        name: The file's stem.
        title: Its title.
        description: What it shows.
        speed: The speed it is meant to run at (``--speed`` overrides).
        start: The simulated start (``None``: now).
        steps: The steps, in order.
        source: The file.
    """

    name: str
    title: str
    description: str
    speed: float | None
    start: datetime | None
    steps: tuple[Step, ...]
    source: Path


# -- loading -------------------------------------------------------------------------------------


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
            speed = _number(0, above=True, high=100_000)(header["speed"])
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
    unknown = set(raw) - _COMMON - set(required) - set(optional)
    if unknown:
        key = sorted(unknown)[0]
        allowed = ", ".join(sorted(set(required) | set(optional) | _COMMON))
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


def message_request(
    fields: Mapping[str, Any],
    wall_after: Callable[[float], datetime],
    *,
    message_id: int = 0,
    base: MessageRequest | None = None,
) -> MessageRequest:
    """The :class:`MessageRequest` a ``send`` (or, over ``base``, a ``supersede``) step says."""

    def when(key: str) -> datetime | None:
        spec = fields.get(key)
        return spec.resolve(wall_after) if isinstance(spec, TimeSpec) else None

    type_name = fields.get("type") or (base.type_name if base else "")
    gas = type_name.startswith("gas.") or fields.get("fuel") == "gas"
    values: dict[str, Any] = {
        "text": fields.get("text"),
        "importance": Importance[fields["importance"].upper()] if "importance" in fields else None,
        "confirmation_required": fields.get("confirm"),
        "start": when("start"),
        "duration_minutes": fields.get("duration_min"),
        "outage_start": when("outage_start"),
        "outage_end": when("outage_end"),
        "threshold_kw": fields.get("threshold_kw"),
        "grace_s": round(fields["grace_s"]) if "grace_s" in fields else None,
        "price_pence_per_kwh": fields.get("price"),
        "rate_label": fields.get("rate_label"),
        "standing_charge_pence_per_day": fields.get("standing_charge"),
        "tariff_label": fields.get("tariff_label"),
        "periods": fields.get("periods"),
        "extra_details": {"bands": fields["bands"]} if "bands" in fields else None,
    }
    if "fuel" in fields or base is None:
        values["fuel"] = Endpoint.GAS if gas else Endpoint.ELECTRICITY
    given = {k: v for k, v in values.items() if v is not None}
    if base is not None:
        return replace(base, at=None, **given)
    return MessageRequest(type_name, message_id=fields.get("message_id", message_id), **given)


__all__ = [
    "ACTIONS",
    "Scenario",
    "ScenarioError",
    "Step",
    "TimeSpec",
    "load_scenario",
    "message_request",
    "parse_duration",
    "parse_time",
    "resolve_scenario",
    "scenarios_dir",
    "shipped_scenarios",
]
