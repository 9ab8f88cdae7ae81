"""How values are written on screen: power, energy, money, times, roles, link security."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

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


def cost(pounds_value: float | None) -> str:
    """``7.5p`` below a pound (a half hour's gas), ``£1.24`` from a pound (``£–`` when unknown)."""
    if pounds_value is not None and abs(pounds_value) < 1:
        return f"{pounds_value * 100:.1f}p"
    return pounds(pounds_value)


def per_hour(pounds_per_hour: float | None) -> str:
    """``35.5p per hour`` below a pound (two pence decimals would round to "£0.01"),
    ``£1.24 per hour`` from a pound."""
    if pounds_per_hour is None:
        return "£– per hour"
    if abs(pounds_per_hour) < 1:
        return f"{pounds_per_hour * 100:.1f}p per hour"
    return f"{pounds(pounds_per_hour)} per hour"


def pence(value: float) -> str:
    """``24.86p``, ``28.6p``, ``9.5p``: as tariffs are quoted, to at most two decimals."""
    return f"{value:.2f}".rstrip("0").rstrip(".") + "p"


def pence_per_kwh(value: float) -> str:
    """``24.86p/kWh`` (never rounded to fewer decimals than the tariff has)."""
    return f"{pence(value)}/kWh"


def clock(moment: datetime) -> str:
    """``18:05`` in local time."""
    return moment.astimezone().strftime("%H:%M")


def clock_span(start: datetime, end: datetime) -> str:
    """``10:00–10:30`` in local time."""
    return f"{clock(start)}\u2013{clock(end)}"


def when(moment: datetime | None, now: datetime | None = None) -> str:
    """``Today 18:05``, ``Tue 14 Jan 09:00`` (local time); ``Until changed`` for ``None``."""
    if moment is None:
        return "Until changed"
    local = moment.astimezone()
    if now is not None and local.date() == now.astimezone().date():
        return f"Today {local:%H:%M}"
    return local.strftime("%a %d %b %Y %H:%M")


def window(start: datetime, end: datetime, now: datetime | None = None) -> str:
    """``Thu 26 Nov 2026 09:00 – 13:00`` (the end's date only when it is another day)."""
    first = when(start, now)
    same_day = start.astimezone().date() == end.astimezone().date()
    return f"{first} – {clock(end) if same_day else when(end, now)}"


def outage_window(details: Mapping[str, Any], now: datetime | None = None) -> str | None:
    """The signed outage window of an outage message's details, for people (``None`` if none)."""
    outage = details.get("outage")
    if not isinstance(outage, Mapping):
        return None
    try:
        start = datetime.fromisoformat(str(outage["start"]))
        end = datetime.fromisoformat(str(outage["end"]))
    except (KeyError, ValueError):
        return None
    return window(start, end, now)


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


def link_badge(
    state: LinkState, security: LinkSecurity, *, compact: bool = False
) -> tuple[str, str]:
    """The link and security badge: ``(text, kind)``, kind ``ok`` / ``warn`` / ``bad``.

    ``compact`` (a small panel): an all-good link without its pairing method, which the Meter
    screen spells out; anything short of that keeps every word (it says what is wrong).
    """
    all_good = security.encrypted and security.authenticated and security.secure_connections
    if state is LinkState.CONNECTED and compact and all_good:
        return "Paired · encrypted · authenticated", OK
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
        LinkState.VERIFYING: "Checking the meter's identity…",
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
        LinkState.VERIFYING: "Checking identity",
        LinkState.CONNECTED: "Connected",
        LinkState.RECONNECTING: "Reconnecting",
        LinkState.CLOSED: "Closed",
    }[state]


def security_level(security: LinkSecurity) -> str:
    """One line on the link's protection."""
    if not security.encrypted:
        return "Not encrypted"
    # Non-breaking hyphens: "AES-CCM" and "MITM-protected" never wrap at the hyphen.
    cipher = "AES\u2011CCM" + (f", {security.key_size * 8}-bit key" if security.key_size else "")
    parts = [f"Encrypted ({cipher})"]
    parts.append(
        "authenticated (MITM\u2011protected)" if security.authenticated else "NOT authenticated"
    )
    parts.append("LE Secure Connections" if security.secure_connections else "legacy pairing")
    if security.bonded:
        parts.append("bonded")
    return " · ".join(parts)
