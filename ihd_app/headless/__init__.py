"""The IHD without a window: link, verification and events (``ihd --headless``)."""
