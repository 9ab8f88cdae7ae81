"""What ``ihd.spec`` and ``meter-emulator.spec`` share (plain Python: the specs import it).

PyInstaller executes a spec file with its own globals (``Analysis``, ``SPECPATH``, ...); this
module holds the decisions both programs make the same way, so the two specs cannot drift apart
and a test can check them without PyInstaller.
"""

from __future__ import annotations

from pathlib import Path

#: The folders of ``resources/`` the programs read at run time (policy, DEMO PKI and trust
#: store, themes and icons, scenarios, test vectors for ``--self-test``).
RESOURCE_DIRS = ("icons", "pki", "policy", "scenarios", "test-vectors", "themes")

#: Never needed at run time; some are optional imports of our dependencies (pyqtgraph probes
#: every Qt binding) that would otherwise drag in hundreds of megabytes or a second Qt.
EXCLUDES = [
    "tkinter",
    "PyQt5",
    "PyQt6",
    "PySide2",
    "matplotlib",
    "IPython",
    "pytest",
    "hypothesis",
    "mypy",
    "ruff",
]

#: Shown by macOS when the display first uses Bluetooth (``--radio system``): without this key
#: in Info.plist, macOS kills the app the moment CoreBluetooth is touched.
MACOS_BLUETOOTH_USAGE = (
    "The In-Home Display connects to your smart meter over Bluetooth to show your energy use "
    "and messages from your energy companies."
)


def project_root(spec_dir: str) -> Path:
    """The checkout's root, from PyInstaller's ``SPECPATH`` (this ``packaging/`` folder)."""
    return Path(spec_dir).resolve().parent


def resource_datas(root: Path) -> list[tuple[str, str]]:
    """``datas`` entries that put each resource folder at ``<bundle>/resources/<name>``.

    :func:`ihd_app.protocol.resources.resources_dir` finds them there through ``sys._MEIPASS``.

    Raises:
        FileNotFoundError: A resource folder is missing (a build must not silently lack one).
    """
    datas = []
    for name in RESOURCE_DIRS:
        folder = root / "resources" / name
        if not folder.is_dir():
            raise FileNotFoundError(f"resource folder {folder} is missing")
        datas.append((str(folder), f"resources/{name}"))
    return datas


def info_plist(*, bluetooth: bool, version: str) -> dict[str, object]:
    """The macOS ``Info.plist`` additions of an app bundle."""
    plist: dict[str, object] = {
        "CFBundleShortVersionString": version,
        "CFBundleVersion": version,
        "NSHighResolutionCapable": True,
    }
    if bluetooth:
        plist["NSBluetoothAlwaysUsageDescription"] = MACOS_BLUETOOTH_USAGE
    return plist


def project_version(root: Path) -> str:
    """The version in ``pyproject.toml`` (the specs run outside the installed package)."""
    import tomllib  # noqa: PLC0415 - only the specs need it

    with (root / "pyproject.toml").open("rb") as handle:
        return str(tomllib.load(handle)["project"]["version"])
