"""Constants shared by tests."""

from __future__ import annotations

from datetime import UTC, datetime

#: A fixed "now" inside the demo certificates' validity, so tests never depend on the date.
NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
METER_ID = "00-1D-A6-00-00-00-00-01"
IHD_ID = "00-1D-A6-00-00-00-01-01"
