"""An in-memory IHD service for the UI tests that need states the real stack cannot reach on
cue (no radio, no store). Shipped code never uses it."""

from tests.ui.fake.service import FakeService

__all__ = ["FakeService"]
