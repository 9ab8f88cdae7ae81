"""How a conformance run is configured: the device, how long to wait for each thing, and the
keys the runner verifies and signs with (the DEMO PKI's by default)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ihd_app.protocol.pki import Identity, TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir, demo_trust_dir


@dataclass
class ConformanceConfig:
    """How to run the checks.

    Attributes:
        address: The device's Bluetooth address; ``None``: the first device advertising the
            profile.
        scan_timeout_s: How long to look for it.
        connect_timeout_s: How long connecting (and pairing) may take.
        report_interval_s: How often the device should send a reading per fuel.
        report_seconds: How long Metering is watched.
        message_wait_s: How long to wait for an envelope on Messages to IHD.
        history_wait_s: How long to wait for History after a GetProfile request.
        history_periods: Half hours asked for.
        identity: Who the runner signs the display's replies as.
        uncommissioned: A display identity chaining to ``trust`` that is *not* on the device's
            HAN device log, for the **device-log** check (the DEMO PKI's ``ihd-2``, which the
            meter emulator serves only with ``--commission ihd-2``); ``None`` skips the check.
        trust: The trust store envelopes are verified against.
        policy: The authorisation policy.
        probe_unauthenticated: Try unpaired access (off for the system radio, whose stack pairs
            by itself on Insufficient Authentication).
    """

    address: str | None = None
    scan_timeout_s: float = 10.0
    connect_timeout_s: float = 30.0
    report_interval_s: float = 1.0
    report_seconds: float = 10.0
    message_wait_s: float = 10.0
    history_wait_s: float = 5.0
    history_periods: int = 4
    identity: Identity = field(default_factory=lambda: load_identity(demo_pki_dir(), "ihd"))
    uncommissioned: Identity | None = field(
        default_factory=lambda: load_identity(demo_pki_dir(), "ihd-2")
    )
    trust: TrustStore = field(default_factory=lambda: TrustStore.from_directory(demo_trust_dir()))
    policy: Policy = field(default_factory=lambda: Policy.from_file(default_policy_path()))
    probe_unauthenticated: bool = True


__all__ = ["ConformanceConfig"]
