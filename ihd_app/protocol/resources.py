"""Where the project's resource files are (policy, demo PKI, test vectors, scenarios, themes)."""

from __future__ import annotations

import sys
from pathlib import Path


def resources_dir() -> Path:
    """The ``resources/`` directory, in a source checkout or in a PyInstaller bundle."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        return Path(bundle) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def default_policy_path() -> Path:
    """The editable default authorisation policy."""
    return resources_dir() / "policy" / "default.toml"


def demo_pki_dir() -> Path:
    """The committed DEMO PKI (its private keys are public: never for production)."""
    return resources_dir() / "pki" / "demo"


def demo_trust_dir() -> Path:
    """The trust store of the DEMO PKI."""
    return demo_pki_dir() / "trust"


def vectors_directory() -> Path:
    """The envelope and unit test vectors for firmware developers."""
    return resources_dir() / "test-vectors"
