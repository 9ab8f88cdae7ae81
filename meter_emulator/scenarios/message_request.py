"""The message a ``send`` or ``supersede`` step asks for, as the operator console's
:class:`~ihd_app.protocol.compose.MessageRequest`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.zcl import Endpoint, Importance
from meter_emulator.scenarios.times import TimeSpec


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
        "extra_details": {
            key: fields[key]
            for key in ("bands", "purpose", "granularity", "kind", "interval_min")
            if key in fields
        }
        or None,
    }
    if "fuel" in fields or base is None:
        values["fuel"] = Endpoint.GAS if gas else Endpoint.ELECTRICITY
    given = {k: v for k, v in values.items() if v is not None}
    if base is not None:
        return replace(base, at=None, **given)
    return MessageRequest(type_name, message_id=fields.get("message_id", message_id), **given)


__all__ = ["message_request"]
