"""``ihd conformance``: checks any device claiming the meter's GATT profile (Qt-free)."""
