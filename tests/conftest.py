"""Fixtures shared by the whole suite: the committed DEMO PKI, a fixed clock, a verifier."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ihd_app.protocol.pki import Identity, TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir, demo_trust_dir
from ihd_app.protocol.verification import Verifier

#: A fixed "now" inside the demo certificates' validity, so tests never depend on the date.
NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
METER_ID = "00-1D-A6-00-00-00-00-01"
IHD_ID = "00-1D-A6-00-00-00-01-01"


@pytest.fixture(scope="session")
def pki_dir() -> Path:
    return demo_pki_dir()


@pytest.fixture(scope="session")
def identities(pki_dir: Path) -> Callable[[str], Identity]:
    cache: dict[str, Identity] = {}

    def get(name: str) -> Identity:
        if name not in cache:
            cache[name] = load_identity(pki_dir, name)
        return cache[name]

    return get


@pytest.fixture(scope="session")
def trust() -> TrustStore:
    return TrustStore.from_directory(demo_trust_dir())


@pytest.fixture(scope="session")
def policy() -> Policy:
    return Policy.from_file(default_policy_path())


@pytest.fixture
def verifier(trust: TrustStore, policy: Policy) -> Verifier:
    return Verifier(
        trust, policy, InMemoryReplayCounters(), targets={METER_ID, IHD_ID}, clock=lambda: NOW
    )
