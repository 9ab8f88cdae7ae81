"""How values are written on screen: power, energy, money, times, roles, link security."""

from __future__ import annotations

from datetime import datetime

from ihd_app.link.bumble_backend.security import LinkSecurity
from ihd_app.link.meter_link import LinkState
from ihd_app.protocol.pki import Role
from ihd_app.protocol.reasons import Reason


def kw(watts: float | None) -> str:
    """``1.24 kW`` (``– kW`` without a reading)."""
    return "– kW" if watts is None else f"{watts / 1000:.2f} kW"


def kwh(value: float) -> str:
    """``8.4 kWh``."""
    return f"{value:.1f} kWh" if value < 1000 else f"{value:,.0f} kWh"


def pounds(value: float | None) -> str:
    """``£2.10`` (``£–`` when unknown)."""
    return "£–" if value is None else f"£{value:,.2f}"


def pence_per_kwh(value: float) -> str:
    """``28.6p/kWh``."""
    return f"{value:.2f}p/kWh" if value < 10 else f"{value:.1f}p/kWh"


def clock(moment: datetime) -> str:
    """``18:05`` in local time."""
    return moment.astimezone().strftime("%H:%M")


def when(moment: datetime | None, now: datetime | None = None) -> str:
    """``Today 18:05``, ``Tue 14 Jan 09:00`` (local time); ``Until changed`` for ``None``."""
    if moment is None:
        return "Until changed"
    local = moment.astimezone()
    if now is not None and local.date() == now.astimezone().date():
        return f"Today {local:%H:%M}"
    return local.strftime("%a %d %b %Y %H:%M")


def timestamp(moment: datetime) -> str:
    """``2025-01-14 18:05:12`` (local time), for logs."""
    return moment.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def role_name(role: str) -> str:
    """``Electricity network operator (DNO)`` for ``dno``."""
    try:
        return Role(role).display_name
    except ValueError:
        return role


def reason_explanation(code: str) -> str:
    """The plain-language sentence of a reason code (the code itself if unknown)."""
    try:
        return Reason(code).explanation
    except ValueError:
        return code


def fingerprint(digest: bytes) -> str:
    """``3F9A 1C27 … D4C2`` (first and last groups of a SHA-256)."""
    text = digest.hex().upper()
    groups = [text[i : i + 4] for i in range(0, len(text), 4)]
    return " ".join(groups[:4]) + " … " + " ".join(groups[-2:])


#: Badge kinds (the stylesheet's ``badge`` property).
OK, WARN, BAD = "ok", "warn", "bad"


def link_badge(state: LinkState, security: LinkSecurity) -> tuple[str, str]:
    """The link and security badge: ``(text, kind)``, kind ``ok`` / ``warn`` / ``bad``."""
    if state is LinkState.CONNECTED:
        if not security.encrypted:
            return "Connected · NOT encrypted", BAD
        method = "LE Secure Connections" if security.secure_connections else "legacy pairing"
        if not security.authenticated:
            return f"Connected · encrypted · NOT authenticated (Just Works, {method})", WARN
        if not security.secure_connections:
            return "Paired · encrypted · authenticated (legacy pairing)", WARN
        return f"Paired · encrypted · authenticated ({method})", OK
    text = {
        LinkState.SCANNING: "Searching for meters…",
        LinkState.CONNECTING: "Connecting…",
        LinkState.PAIRING: "Pairing…",
        LinkState.RECONNECTING: "Connection lost · reconnecting…",
    }.get(state)
    if text is not None:
        return text, WARN
    return "Not connected", BAD


def link_state(state: LinkState) -> str:
    """The link state for people."""
    return {
        LinkState.IDLE: "Not connected",
        LinkState.SCANNING: "Scanning",
        LinkState.CONNECTING: "Connecting",
        LinkState.PAIRING: "Pairing",
        LinkState.CONNECTED: "Connected",
        LinkState.RECONNECTING: "Reconnecting",
        LinkState.CLOSED: "Closed",
    }[state]


def security_level(security: LinkSecurity) -> str:
    """One line on the link's protection."""
    if not security.encrypted:
        return "Not encrypted"
    parts = ["Encrypted (AES-CCM)"]
    if security.key_size:
        parts.append(f"{security.key_size * 8}-bit key")
    parts.append(
        "authenticated (MITM-protected)" if security.authenticated else "NOT authenticated"
    )
    parts.append("LE Secure Connections" if security.secure_connections else "legacy pairing")
    if security.bonded:
        parts.append("bonded")
    return " · ".join(parts)
