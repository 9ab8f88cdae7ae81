"""Fixtures shared by the whole suite: the committed DEMO PKI, a fixed clock, a verifier."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ihd_app.protocol.pki import Identity, TrustStore, load_identity
from ihd_app.protocol.policy import Policy
from ihd_app.protocol.replay import InMemoryReplayCounters
from ihd_app.protocol.resources import default_policy_path, demo_pki_dir, demo_trust_dir
from ihd_app.protocol.verification import Verifier
from tests.support import IHD_ID, METER_ID, NOW


@pytest.fixture(scope="session", autouse=True)
def isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Keep the programs tests run (and QSettings) out of the user's own config, data, state
    and log dirs: XDG variables are what platformdirs and Qt read on Linux."""
    home = tmp_path_factory.mktemp("user-dirs")
    names = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")
    saved = {name: os.environ.get(name) for name in names}
    for name in names:
        os.environ[name] = str(home / name.lower())
    yield
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


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
