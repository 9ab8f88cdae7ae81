"""The operator console's "Flexibility event" button: the event the form's values describe
(start and duration from the form, its text as the reward), for the chosen role."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from ihd_app.protocol.demand_response import FlexibilityEvent
from ihd_app.protocol.zcl import DeviceClass
from meter_emulator.ui.panels.compose_form import FormValues

#: What the button asks when the form says nothing else: an hour, 20 % less.
DEFAULT_MINUTES, DEFAULT_REDUCTION = 60, 20
DEFAULT_REWARD = "20 % reward on your next bill"
#: The devices the button names for direct control (controlled only with agreement).
NAMED_DEVICES = DeviceClass.ELECTRIC_VEHICLE | DeviceClass.WATER_HEATER


def flexibility_event(
    values: FormValues, wall_after: Callable[[float], datetime]
) -> FlexibilityEvent:
    """The event: from the form's start (simulated minutes from now), for its duration (an hour
    if none), its text as the reward; the EV charger and immersion heater named."""
    start = wall_after(values.start_in_min * 60)
    minutes = values.duration_min or DEFAULT_MINUTES
    end = start + timedelta(minutes=minutes)
    return FlexibilityEvent(
        event_id=secrets.randbits(24) + 1,
        start=start,
        minutes=minutes,
        reduction_percent=DEFAULT_REDUCTION,
        device_class=NAMED_DEVICES,
        title=f"Use {DEFAULT_REDUCTION} % less {start.astimezone():%H:%M}-{end.astimezone():%H:%M}",
        reward=values.text.strip() or DEFAULT_REWARD,
    )
