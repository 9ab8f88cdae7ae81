"""How the display's service runs: radio, data, identity and behaviour chosen at start."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.resources import demo_pki_dir, demo_trust_dir


@dataclass
class ServiceConfig:
    """How the service runs.

    Attributes:
        radio: Which radio.
        data_dir: Database and bonds.
        trust_dir: Trust store.
        pki_dir: Where the display's identity is.
        identity: Which identity of ``pki_dir`` the display is (``ihd``; ``ihd-2`` for a second
            display of the same home).
        auto_ack: Acknowledge every displayed message that asks for it (headless tests).
        accept_pairing: Headless: confirm pairing automatically; ``None``: ask the UI.
        address: Connect to this meter instead of the first heard.
        btsnoop: HCI capture.
        backfill: Ask for 13 months of history after pairing.
        auto_connect: After start, keep connected by itself (:class:`ConnectionKeeper`):
            open the radio whenever it is there, connect to the paired meter, else to
            ``address``, else to the first meter heard (pairing then asks the consumer),
            reconnect when the radio comes back; a refused pairing waits for
            :meth:`IhdService.pair_again`.
        search_timeout_s: How long one scan for a meter lasts before scanning again.
        clock_offset_s: How far the display's own clock is off real time (seconds, negative:
            behind): a demonstration of a board without a real-time clock, which goes by the
            meter's time once a handshake proves it (:mod:`ihd_app.service.meter_time`).
    """

    radio: RadioSpec
    data_dir: Path
    trust_dir: Path = field(default_factory=demo_trust_dir)
    pki_dir: Path = field(default_factory=demo_pki_dir)
    identity: str = "ihd"
    auto_ack: bool = False
    accept_pairing: bool | None = None
    address: str | None = None
    btsnoop: Path | None = None
    backfill: bool = True
    auto_connect: bool = False
    search_timeout_s: float = 10.0
    clock_offset_s: float = 0.0
