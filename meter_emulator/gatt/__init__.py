"""The meter's GATT side on Bumble: the profile's service, advertising, pairing and bonds."""

from meter_emulator.gatt.advertising import advertised_name
from meter_emulator.gatt.errors import (
    IndicationTimeoutError,
    LinkError,
    LinkLostError,
    NoSubscriberError,
)
from meter_emulator.gatt.meter_info import MeterInfo
from meter_emulator.gatt.pairing_policy import (
    AutoAcceptPolicy,
    CallbackPolicy,
    PairingMode,
    PairingPolicy,
)
from meter_emulator.gatt.pairing_window import PairingWindow
from meter_emulator.gatt.peripheral import EventSink, MeterPeripheral
from meter_emulator.gatt.security import LinkSecurity
from meter_emulator.gatt.server import ATT_ERROR_UNIT_REFUSED, MeterGattServer

__all__ = [
    "ATT_ERROR_UNIT_REFUSED",
    "AutoAcceptPolicy",
    "CallbackPolicy",
    "EventSink",
    "IndicationTimeoutError",
    "LinkError",
    "LinkLostError",
    "LinkSecurity",
    "MeterGattServer",
    "MeterInfo",
    "MeterPeripheral",
    "NoSubscriberError",
    "PairingMode",
    "PairingPolicy",
    "PairingWindow",
    "advertised_name",
]
