"""Errors of the meter's GATT layer: a unit that could not be delivered to the IHD."""

from __future__ import annotations

from ihd_app.protocol.errors import IhdError


class LinkError(IhdError):
    """A unit could not be delivered over the BLE link; the caller keeps it to send later."""


class NoSubscriberError(LinkError):
    """No IHD is connected over an authenticated link and subscribed to the characteristic."""


class LinkLostError(LinkError):
    """The IHD's link dropped before every segment of a unit was confirmed."""


class IndicationTimeoutError(LinkError):
    """The IHD did not confirm an indication within the ATT transaction timeout (30 s)."""
