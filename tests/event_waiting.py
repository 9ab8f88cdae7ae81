"""Waiting for a program's events in tests: on the event log itself, never by sleeping."""

from __future__ import annotations

from ihd_app.protocol.events import EventWaiter as Events

__all__ = ["Events"]
