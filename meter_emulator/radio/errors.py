"""Errors of the meter's radio layer."""

from __future__ import annotations

from ihd_app.protocol.errors import IhdError


class RadioError(IhdError):
    """A radio that cannot be opened or used: a busy port, a missing dongle, a refused kind.

    The message is one sentence a person can act on, e.g. "port 9301 is in use: another meter
    emulator is running?".
    """
