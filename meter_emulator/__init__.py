"""Smart-meter emulator: the meter side of the IHD's Bluetooth LE profile."""

__version__ = "0.1.0"
