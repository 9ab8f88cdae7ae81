"""In-Home Display emulator.

Kept import-light on purpose: the meter emulator imports :mod:`ihd_app.protocol` and must not pay
for (or depend on) Qt, SQLite or the BLE stack.
"""

__version__ = "0.1.0"
