"""What the emulator's device log panel offers to add and sends: the displays of the meter's PKI
not on the HAN device log yet, a pasted identifier and fingerprint checked before anything is
signed, and the supplier's ``han.device-add`` / ``han.device-remove`` requests.

Qt-free: the panel (:mod:`meter_emulator.ui.panels.device_log_panel`) only shows what this
returns, and the operator console signs and sends the requests like any other.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from ihd_app.protocol.compose import MessageRequest
from ihd_app.protocol.errors import ConfigurationError
from ihd_app.protocol.pki import Identity, Role
from ihd_app.protocol.pki.authority import IDENTITIES_DIR

#: Who signs changes to the device log (GB practice: the supplier commissions displays).
COMMISSIONER: Final = "supplier"
_EUI64 = re.compile(r"^[0-9A-F]{2}(-[0-9A-F]{2}){7}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class DisplayCandidate:
    """A display the device log could take.

    Attributes:
        name: Its folder under the PKI's ``identities/`` (``ihd-2``).
        ihd_id: Its identifier.
        fingerprint: Hex SHA-256 of its certificate.
        organisation: What its certificate calls it.
    """

    name: str
    ihd_id: str
    fingerprint: str
    organisation: str

    @property
    def label(self) -> str:
        """How a person picks it from a list."""
        return f"{self.ihd_id} · {self.organisation} ({self.name})"


def display_candidates(
    pki_dir: Path, load: Callable[[str], Identity], on_log: Iterable[str]
) -> list[DisplayCandidate]:
    """The identities of role ``ihd`` in ``pki_dir`` that are not on the log, by name.

    Args:
        pki_dir: The meter's PKI directory.
        load: Loads ``identities/<name>`` (``MeterRuntime.identity_of``).
        on_log: Identifiers on the device log.
    """
    folder = pki_dir / IDENTITIES_DIR
    taken = set(on_log)
    found = []
    names = sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    for name in names:
        try:
            identity = load(name)
            role = identity.role
        except ConfigurationError:
            continue  # not an identity (a stray folder): nothing to offer
        if role is Role.IHD and identity.entity_id not in taken:
            found.append(
                DisplayCandidate(
                    name, identity.entity_id, identity.kid.hex(), identity.summary.organisation
                )
            )
    return found


def parse_display(identifier: str, fingerprint: str) -> tuple[str, str]:
    """A pasted identifier and certificate fingerprint, normalised.

    Returns:
        The identifier in upper case, and the fingerprint as 64 lower-case hex digits
        (spaces and colons between them dropped).

    Raises:
        ValueError: Either is not well formed; the message says which and how it should look.
    """
    ihd_id = identifier.strip().upper().replace(":", "-")
    if not _EUI64.match(ihd_id):
        raise ValueError(
            f"'{identifier.strip()}' is not a display identifier: eight pairs of hex digits "
            "joined by hyphens, e.g. 00-1D-A6-00-00-00-01-02"
        )
    digits = re.sub(r"[\s:]", "", fingerprint).lower()
    if not _HEX64.match(digits):
        raise ValueError(
            "the certificate fingerprint is the SHA-256 of the display's certificate: 64 hex "
            f"digits, not {len(digits)} characters"
        )
    return ihd_id, digits


def short_fingerprint(fingerprint: str) -> str:
    """The first 16 hex digits in groups of four (enough to tell certificates apart)."""
    head = fingerprint[:16]
    return " ".join(head[i : i + 4] for i in range(0, len(head), 4)) + " …"


def add_request(ihd_id: str, fingerprint: str) -> MessageRequest:
    """The supplier's ``han.device-add`` of a display and its certificate."""
    return MessageRequest("han.device-add", device_id=ihd_id, device_certificate_sha256=fingerprint)


def remove_request(ihd_id: str) -> MessageRequest:
    """The supplier's ``han.device-remove`` of a display."""
    return MessageRequest("han.device-remove", device_id=ihd_id)


__all__ = [
    "COMMISSIONER",
    "DisplayCandidate",
    "add_request",
    "display_candidates",
    "parse_display",
    "remove_request",
    "short_fingerprint",
]
