"""An in-memory IHD service for UI development, screenshots and UI tests (no radio, no store)."""

from ihd_app.ui.fake.service import FakeService

__all__ = ["FakeService"]
