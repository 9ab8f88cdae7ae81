"""The link and security badge: green when paired with an authenticated encrypted link."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from ihd_app.link.bumble_backend.security import LinkSecurity
from ihd_app.link.meter_link import LinkState
from ihd_app.ui import text
from ihd_app.ui.theme import set_style_property


class LinkBadge(QLabel):
    """``Paired · encrypted · authenticated (LE Secure Connections)`` or a red ``Not connected``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("LinkBadge")
        self.setWordWrap(True)
        self._compact = False
        self._link = (LinkState.IDLE, LinkSecurity())
        self.set_link(*self._link)

    def set_compact(self, compact: bool) -> None:
        """Shorter wording on a small panel (the whole of it in the tooltip)."""
        if compact != self._compact:
            self._compact = compact
            self.set_link(*self._link)

    @property
    def kind(self) -> str:
        """``ok``, ``warn`` or ``bad``."""
        return str(self.property("badge"))

    def set_link(self, state: LinkState, security: LinkSecurity) -> None:
        """Show ``state`` and ``security``."""
        self._link = (state, security)
        label, kind = text.link_badge(state, security, compact=self._compact)
        full, _kind = text.link_badge(state, security)
        mark = {"ok": "✔", "warn": "⚠", "bad": "✖"}[kind]
        self.setText(f"{mark} {label}")
        self.setToolTip(full if full != label else "")
        self.setAccessibleName(full)
        set_style_property(self, "badge", kind)
