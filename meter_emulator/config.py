"""How the meter emulator runs: radio, data, identity, household and behaviour chosen at start."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ihd_app.protocol.radio_spec import RadioSpec
from ihd_app.protocol.resources import demo_pki_dir, demo_trust_dir
from meter_emulator.faults import Fault
from meter_emulator.gatt import PairingMode, PairingPolicy
from meter_emulator.gatt.pairing_window import DEFAULT_AT_START_S
from meter_emulator.simulation.archetypes import FAMILY_SEMI, HouseholdKind


@dataclass
class MeterConfig:
    """How to run the meter.

    Attributes:
        radio: Which radio.
        data_dir: Where bonds are kept.
        pki_dir: Whose identity the meter has (and signs with).
        trust_dir: Trust store for verifying what the IHD sends.
        btsnoop: Capture file, if any.
        pairing_mode: Numeric comparison or passkey display.
        pairing_policy: Who answers pairing questions (GUI, or auto-accept when headless).
        seed: The household's seed.
        household: What household lives there (``--household``,
            :mod:`meter_emulator.simulation.archetypes`).
        solar_kw: Peak of the household's solar panels (exported at midday as negative
            demand); 0 for none.
        report_interval_s: Seconds between live readings.
        send: Envelope files to indicate to the IHD, in order, once it has subscribed (signed
            with ``meter-emulator sign``; CBOR or hex text). They are not verified (they may be
            test vectors the IHD must refuse).
        speed: Simulated seconds per wall-clock second (``--speed``).
        sim_start: The simulated instant at start (default: now).
        ihd_id: The ``aud`` of the meter's own messages (default: the meter's own id, which
            every display of the meter accepts, so one envelope serves each display of the
            home; docs/protocol.md §1).
        faults: Rules this meter deliberately breaks (``--fault``, :mod:`meter_emulator.faults`).
        commission: Identities of the PKI (``ihd-2``) put on the HAN device log at start
            (``--commission``), besides what the log holds.
        pairing_window_s: Seconds the pairing window is open from start (``--pairing-window``;
            0: closed until opened).
        sealed_responses: Where each sealed data response is also written as ``KEY.cose``, as
            the operator receives it (``--sealed-responses``), if anywhere.
        alerts_out: A file the operators' inbox appends each meter alert to, as a JSON line
            (``--alerts-out``), if any.
        receipt_timeout_s: How long an operator waits for a display's delivery receipt before
            its message is flagged overdue (``--receipt-timeout``; seed UC12 5a).
    """

    radio: RadioSpec
    data_dir: Path
    pki_dir: Path = field(default_factory=demo_pki_dir)
    trust_dir: Path = field(default_factory=demo_trust_dir)
    btsnoop: Path | None = None
    pairing_mode: PairingMode = PairingMode.NUMERIC_COMPARISON
    pairing_policy: PairingPolicy | None = None
    seed: int = 1
    household: HouseholdKind = FAMILY_SEMI
    solar_kw: float = 0.0
    report_interval_s: float = 1.0
    send: tuple[Path, ...] = ()
    speed: float = 1.0
    sim_start: datetime | None = None
    ihd_id: str | None = None
    faults: frozenset[Fault] = frozenset()
    commission: tuple[str, ...] = ()
    pairing_window_s: float = DEFAULT_AT_START_S
    sealed_responses: Path | None = None
    alerts_out: Path | None = None
    receipt_timeout_s: float = 300.0
