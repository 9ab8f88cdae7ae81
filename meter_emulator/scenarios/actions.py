"""The actions a scenario step may take, and the checks of each action's fields.

:data:`ACTIONS` maps every action to its required and optional fields; each field has a checker
that returns the checked value or raises :class:`ValueError` with what is wrong, which the loader
(:mod:`meter_emulator.scenarios.loader`) turns into a :class:`ScenarioError` line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ihd_app.protocol.consent_terms import PURPOSES, Granularity
from ihd_app.protocol.demand_response import parse_device_classes
from ihd_app.protocol.errors import EncodeError
from ihd_app.protocol.message_types import message_type, message_type_names
from ihd_app.protocol.network_data import MAX_INTERVAL_MIN, MIN_INTERVAL_MIN, DataKind
from meter_emulator.attacks.forgery import ATTACKS
from meter_emulator.attacks.link_demonstrations import DEMONSTRATION_NAMES
from meter_emulator.attacks.supply_attacks import SUPPLY_ATTACK_NAMES
from meter_emulator.scenarios.times import HHMM, TimeSpec, parse_time
from meter_emulator.scenarios.tou import tou_commands
from meter_emulator.simulation.flexible_loads import flexible_load_named
from meter_emulator.simulation.premises import appliance_named, appliance_names

#: Roles the operator console signs as.
ROLES = ("dno", "gdn", "supplier")
_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,39}$")


def _text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be non-empty text")
    return value


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def number_field(
    low: float, *, above: bool = False, high: float | None = None
) -> Callable[..., float]:
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


def _devices(value: object) -> int:
    try:
        return parse_device_classes(_text(value))
    except EncodeError as error:
        raise ValueError(error.detail) from None


def _flexible_load(value: object) -> str:
    return flexible_load_named(_text(value)).name


def _attack(value: object) -> str:
    names = [a.name for a in ATTACKS] + list(DEMONSTRATION_NAMES) + list(SUPPLY_ATTACK_NAMES)
    if value != "all" and value not in names:
        raise ValueError(f"must be 'all' or one of {', '.join(names)}, not {value!r}")
    return str(value)


def _volts(value: object) -> float | None:
    if value == "normal":
        return None
    return number_field(0, above=True, high=1000)(value)


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
                if not (isinstance(clock, str) and (HHMM.match(clock) or clock == "24:00")):
                    raise ValueError(f"{edge} must be 'HH:MM'")
            number_field(0, high=10_000)(band.get("pence_per_kwh"))
        except ValueError as exc:
            raise ValueError(f"bands[{index}]: {exc}") from None
        bands.append(dict(band))
    return bands


def _calendar(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("must be a table describing the time-of-use tariff")
    tou_commands(value)  # raises ValueError saying what is wrong
    return dict(value)


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
    "threshold_kw": number_field(0, above=True),
    "grace_s": number_field(0),
    "price": number_field(0, high=10_000),
    "rate_label": _text,
    "standing_charge": number_field(0, high=100_000),
    "tariff_label": _text,
    "bands": _bands,
    "periods": _integer(1, 255),
    "fuel": _choice("electricity", "gas"),
    "valid_for_min": number_field(0, above=True),
    # data.request: what for, and how finely (the meter answers only as consent allows).
    "purpose": _choice(*sorted({p.name for p in PURPOSES})),
    "granularity": _choice(*(g.value for g in Granularity)),
    # netdata.request / netdata.subscribe: which network data, and how often it is pushed.
    "kind": _choice(*(k.value for k in DataKind)),
    "interval_min": _integer(MIN_INTERVAL_MIN, MAX_INTERVAL_MIN),
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
        {"timeout_s": number_field(0, above=True), "match": _match, "count": _integer(1, 1000)},
    ),
    "note": ({"text": _text}, {}),
    # A time-of-use tariff: calendar, day/week profiles, seasons, prices, one envelope each.
    "publish-tou": (
        {"role": _choice(*ROLES), "calendar": _calendar},
        {"fuel": _choice("electricity", "gas")},
    ),
    # A new display (or one whose pairing the meter forgot) may pair while it is open.
    "pairing-window": ({}, {"seconds": number_field(0, above=True, high=86_400)}),
    # The consumer presses Restore where the meter must refuse (a safety alarm the DNO has not
    # cleared, a remote disconnection not enabled): the step fails if the supply comes back.
    "restore-refused": ({}, {}),
    # The gas meter shuts its valve on an unsafe flow and tells the GDN (a meter alert).
    "gas-safety-alarm": ({}, {"text": _text}),
    # A flexibility event (DRLC LoadControlEvent); the meter controls the named devices only
    # where the householder agreed on the display.
    "flexibility": (
        {"role": _choice(*ROLES), "duration_min": _integer(1, 1440)},
        {
            "start": _time,
            "reduce_percent": _integer(0, 100),
            "devices": _devices,
            "title": _text,
            "reward": _text,
            "event_id": _integer(1, 0xFFFFFFFF),
            "name": _name,
        },
    ),
    # Plug a flexible load in or out (the EV charger, the immersion heater).
    "flexible-load": ({"name": _flexible_load, "on": _bool}, {}),
    # Prepayment (meter_emulator/scenarios/prepay_steps.py): the supplier's signed commands,
    # and the consumer at the meter's own keypad and button.
    "prepay-mode": ({"mode": _choice("prepayment", "credit")}, {"friendly_credit": _bool}),
    "prepay-top-up": ({"pence": _integer(1, 999_999)}, {}),
    "utrn": ({"pence": _integer(1, 999_999)}, {"again": _bool, "wrong": _bool}),
    "emergency-credit": ({}, {}),
    "prepay-restore": ({}, {}),
    # The supplier vends a code for the consumer to type on the display (event prepay.utrn-issued).
    "vend-utrn": ({"pence": _integer(1, 999_999)}, {}),
}

#: Fields every step may carry, whatever its action.
COMMON_FIELDS = frozenset({"at", "action"})


__all__ = ["ACTIONS", "COMMON_FIELDS", "ROLES", "number_field"]
