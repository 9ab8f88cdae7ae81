"""The meter's radio: the virtual air, or a Bumble transport to a physical controller."""

from meter_emulator.radio.errors import RadioError
from meter_emulator.radio.meter_radio import MeterRadio, open_meter_radio, static_address_for
from meter_emulator.radio.virtual_air import (
    IHD_CONTROLLER_ADDRESS,
    METER_CONTROLLER_ADDRESS,
    AirController,
    HciPair,
    VirtualAir,
)

__all__ = [
    "IHD_CONTROLLER_ADDRESS",
    "METER_CONTROLLER_ADDRESS",
    "AirController",
    "HciPair",
    "MeterRadio",
    "RadioError",
    "VirtualAir",
    "open_meter_radio",
    "static_address_for",
]
