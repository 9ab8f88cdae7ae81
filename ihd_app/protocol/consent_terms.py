"""What the consumer's consent means, shared by the display (which asks) and the meter (which
enforces it): parties, their purposes, the granularities data can be read at, what each reveals,
the regulatory exemptions that are not the consumer's choice, and the rule that decides the
finest granularity a request may be answered at.

Consent in the Ofgem sense is per party × purpose × granularity, with an expiry date. The
display sends the whole set of the consumer's choices in a signed ``consent.update`` (details
key ``grants``); the meter keeps the last set it was sent and answers each data request at the
finest granularity that the choices and the exemptions allow, or refuses it with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class Granularity(StrEnum):
    """How finely consumption data may be read, coarsest first."""

    MONTHLY = "monthly"
    DAILY = "daily"
    HALF_HOURLY = "half-hourly"

    @property
    def rank(self) -> int:
        """Coarse to fine: monthly 0, daily 1, half-hourly 2."""
        return _ORDER.index(self)

    @property
    def label(self) -> str:
        """As the consumer reads it."""
        return _LABELS[self]

    @property
    def reveals(self) -> str:
        """What data at this granularity tells whoever reads it (the seed: occupancy, habits)."""
        return _REVEALS[self]


_ORDER = (Granularity.MONTHLY, Granularity.DAILY, Granularity.HALF_HOURLY)
_LABELS = {
    Granularity.MONTHLY: "Monthly totals",
    Granularity.DAILY: "Daily totals",
    Granularity.HALF_HOURLY: "Half-hourly",
}
_REVEALS = {
    Granularity.MONTHLY: "how much energy your home uses each month",
    Granularity.DAILY: "which days your home is busy, quiet or empty",
    Granularity.HALF_HOURLY: "when you are in, asleep or away, and when you cook or shower",
}

#: Half hours in a day (a daily answer sums 48 of them).
HALF_HOURS_PER_DAY = 48


@dataclass(frozen=True)
class Purpose:
    """Why a party reads consumption data.

    Attributes:
        party: The role (``dno``, ``gdn``, ``supplier``).
        name: The purpose's code on the wire.
        title: As the consumer reads it.
    """

    party: str
    name: str
    title: str


#: Every purpose a party may ask for data for, in the order the Privacy screen lists them.
PURPOSES: tuple[Purpose, ...] = (
    Purpose("supplier", "billing", "Your supplier: bills"),
    Purpose("supplier", "energy-advice", "Your supplier: energy-saving advice"),
    Purpose("dno", "network-planning", "Electricity network (DNO): planning the local network"),
    Purpose("gdn", "network-planning", "Gas network (GDN): planning the gas network"),
    Purpose("dno", "voltage-quality", "Electricity network (DNO): voltage and power quality"),
    Purpose("dno", "outage-reporting", "Electricity network (DNO): power cuts and supply status"),
)


@dataclass(frozen=True)
class Exemption:
    """Data a party may read without the consumer's consent, under its licence.

    Attributes:
        party: The role.
        purpose: The purpose it covers.
        granularity: The finest granularity it covers.
        why: As the consumer reads it (shown as a fact, not a choice).
    """

    party: str
    purpose: str
    granularity: Granularity
    why: str


#: The regulatory exemptions: a supplier's monthly reads for bills under its supply licence, a
#: DNO's monthly totals for network planning under its distribution licence (the seed: the
#: network operator "only needs this data in an aggregated format").
EXEMPTIONS: tuple[Exemption, ...] = (
    Exemption(
        "supplier",
        "billing",
        Granularity.MONTHLY,
        "Your supplier may read monthly totals to bill you: its supply licence requires it.",
    ),
    Exemption(
        "dno",
        "network-planning",
        Granularity.MONTHLY,
        "The DNO may read monthly totals to plan the network: its licence allows it.",
    ),
    # Seed 2.2.1: voltage measures the quality of the energy the network delivers, "more the
    # networks' data than the consumers'". A day's minimum, mean and maximum say nothing of the
    # household; half-hourly voltage shows when the shower runs, so that needs consent.
    Exemption(
        "dno",
        "voltage-quality",
        Granularity.DAILY,
        "The DNO may read your daily voltage range to keep it within the legal limits: its "
        "licence requires it.",
    ),
    # Seed use cases 13 and 16: the DNO reports every interruption to the regulator.
    Exemption(
        "dno",
        "outage-reporting",
        Granularity.HALF_HOURLY,
        "The DNO may read when your supply was off and whether it is on now, to find and report "
        "power cuts: its licence requires it.",
    ),
    # Seed gas use case 01: the gas network plans from aggregated demand.
    Exemption(
        "gdn",
        "network-planning",
        Granularity.MONTHLY,
        "The gas network may read monthly gas totals to plan the network: its licence allows it.",
    ),
)


def purpose_of(party: str, name: str) -> Purpose | None:
    """The purpose ``name`` of ``party``, or ``None`` if that party has no such purpose."""
    return next((p for p in PURPOSES if p.party == party and p.name == name), None)


def default_purpose(party: str) -> str:
    """The purpose a data request that names none is taken to be for (the party's first)."""
    return next((p.name for p in PURPOSES if p.party == party), "unspecified")


def exemption_for(party: str, purpose: str) -> Exemption | None:
    """The exemption covering ``party``'s ``purpose``, if any."""
    return next((e for e in EXEMPTIONS if e.party == party and e.purpose == purpose), None)


@dataclass(frozen=True)
class Grant:
    """One consent: ``party`` may read data for ``purpose`` at ``granularity`` until ``expires``.

    Attributes:
        party: The role.
        purpose: The purpose.
        granularity: The finest granularity allowed; ``None``: none (refused or withdrawn).
        expires: When the consent lapses (``None``: never; a refusal has none).
        changed_at: When the consumer made this choice.
    """

    party: str
    purpose: str
    granularity: Granularity | None
    expires: datetime | None
    changed_at: datetime

    def allows_at(self, at: datetime) -> Granularity | None:
        """The granularity this consent allows at ``at`` (``None`` once expired)."""
        if self.granularity is None or (self.expires is not None and at >= self.expires):
            return None
        return self.granularity

    def to_details(self) -> dict[str, Any]:
        """As it travels in a ``consent.update``'s ``grants`` list."""
        return {
            "party": self.party,
            "purpose": self.purpose,
            "granularity": self.granularity.value if self.granularity is not None else "none",
            "expires": self.expires.isoformat(timespec="seconds") if self.expires else None,
            "changed_at": self.changed_at.isoformat(timespec="seconds"),
        }


class GrantError(ValueError):
    """A ``grants`` entry that cannot be used."""


def grant_from_details(entry: object) -> Grant:
    """A :class:`Grant` read back from a ``grants`` entry.

    Raises:
        GrantError: The entry is not a map with a party, a purpose, a known granularity (or
            ``none``) and ISO 8601 times.
    """
    if not isinstance(entry, Mapping):
        raise GrantError("a grant is not a map")
    party, purpose = entry.get("party"), entry.get("purpose")
    if not isinstance(party, str) or not isinstance(purpose, str):
        raise GrantError("a grant names no party or purpose")
    level = entry.get("granularity")
    try:
        granularity = None if level == "none" else Granularity(str(level))
        expires = _time(entry.get("expires"))
        changed = _time(entry.get("changed_at"))
    except ValueError as error:
        raise GrantError(f"grant for {party}/{purpose}: {error}") from None
    if changed is None:
        raise GrantError(f"grant for {party}/{purpose} has no changed_at")
    return Grant(party, purpose, granularity, expires, changed)


def _time(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a time")
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset")
    return moment


def grants_from_legacy(choices: Mapping[str, bool], at: datetime) -> list[Grant]:
    """Grants for a ``consent {party: bool}`` map, as displays before consent per purpose sent
    it: "allowed" meant half-hourly data, for every purpose of that party then, with no expiry.
    Purposes added since (network data) were never put to the household, so a legacy "yes"
    does not open them."""
    return [
        Grant(p.party, p.name, Granularity.HALF_HOURLY if allowed else None, None, at)
        for party, allowed in choices.items()
        for p in PURPOSES
        if p.party == party and (p.party, p.name) in _LEGACY_PURPOSES
    ]


#: The purposes displays that sent ``{party: bool}`` knew of.
_LEGACY_PURPOSES = frozenset(
    {
        ("supplier", "billing"),
        ("supplier", "energy-advice"),
        ("dno", "network-planning"),
        ("gdn", "network-planning"),
    }
)


@dataclass(frozen=True)
class Decision:
    """How the meter answers one data request.

    Attributes:
        asked: The granularity asked for.
        given: The granularity answered at (``None``: refused).
        allowed: The finest granularity the party may read for that purpose (``None``:
            nothing), which a refused request can ask for instead.
        basis: ``consent``, ``licence`` (an exemption) or ``none``.
        reason: One sentence for the operator and the household's data-access log.
    """

    asked: Granularity
    given: Granularity | None
    allowed: Granularity | None
    basis: str
    reason: str


def decide(
    grants: Sequence[Grant], party: str, purpose: str, asked: Granularity, at: datetime
) -> Decision:
    """Whether ``party`` may read data at ``asked`` for ``purpose`` at ``at``: the finest it
    may read is the larger of its unexpired consent and any exemption. A request finer than
    that is refused, not coarsened: the meter sends nothing the requester did not ask for,
    and the reason names what it may ask for instead."""
    if purpose_of(party, purpose) is None:
        return Decision(asked, None, None, "none", f"{party} has no purpose called {purpose!r}.")
    consent = next(
        (g.allows_at(at) for g in grants if g.party == party and g.purpose == purpose), None
    )
    exemption = exemption_for(party, purpose)
    allowed: Granularity | None = consent
    basis = "consent" if consent is not None else "none"
    if exemption is not None and (allowed is None or exemption.granularity.rank > allowed.rank):
        allowed, basis = exemption.granularity, "licence"
    if allowed is not None and allowed.rank >= asked.rank:
        return Decision(asked, asked, allowed, basis, f"{asked.label} data sent ({basis}).")
    lapsed = any(
        g.party == party
        and g.purpose == purpose
        and g.granularity is not None
        and g.allows_at(at) is None
        for g in grants
    )
    consent_says = (
        "has expired"
        if lapsed
        else "allows " + consent.label.lower()
        if consent is not None
        else "has not been given"
    )
    reason = f"The consumer's consent for {party} ({purpose}) {consent_says}"
    if allowed is None:
        return Decision(asked, None, None, "none", f"{reason}: no data may be sent.")
    only = allowed.label.lower()
    by = "its licence" if basis == "licence" else "the consumer"
    return Decision(
        asked,
        None,
        allowed,
        basis,
        f"{reason}; {asked.label.lower()} data was asked for, but only {only} are allowed "
        f"(by {by}): ask for {only}.",
    )


def grants_to_details(grants: Sequence[Grant]) -> list[dict[str, Any]]:
    """The ``grants`` list of a ``consent.update``."""
    return [g.to_details() for g in grants]


__all__ = [
    "EXEMPTIONS",
    "HALF_HOURS_PER_DAY",
    "PURPOSES",
    "Decision",
    "Exemption",
    "Grant",
    "GrantError",
    "Granularity",
    "Purpose",
    "decide",
    "default_purpose",
    "exemption_for",
    "grant_from_details",
    "grants_from_legacy",
    "grants_to_details",
    "purpose_of",
]
