"""The PyInstaller specs and ``./run package`` without running PyInstaller (CI builds for real)."""

from __future__ import annotations

import ast
import importlib.util
import plistlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

from ihd_app.protocol import resources

ROOT = Path(__file__).resolve().parents[2]
PACKAGING = ROOT / "packaging"


@pytest.fixture(scope="module")
def spec_common() -> ModuleType:
    spec = importlib.util.spec_from_file_location("spec_common", PACKAGING / "spec_common.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_resource_folder_is_bundled(spec_common: ModuleType) -> None:
    datas = spec_common.resource_datas(ROOT)
    folders = {p.name for p in (ROOT / "resources").iterdir() if p.is_dir()}
    assert {Path(target).name for _, target in datas} == folders
    assert all(target == f"resources/{Path(source).name}" for source, target in datas)


def test_a_missing_resource_folder_stops_the_build(spec_common: ModuleType, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="resource folder"):
        spec_common.resource_datas(tmp_path)


def test_frozen_resources_are_found_under_meipass(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # PyInstaller sets sys._MEIPASS to the bundle's data folder; "resources/..." lies under it.
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.vectors_directory() == tmp_path / "resources" / "test-vectors"
    assert resources.demo_trust_dir() == tmp_path / "resources" / "pki" / "demo" / "trust"


def test_macos_bundle_asks_for_bluetooth_with_a_reason(spec_common: ModuleType) -> None:
    plist = spec_common.info_plist(bluetooth=True, version="1.2.3")
    # It must survive plistlib: PyInstaller writes it with plistlib.
    assert plistlib.loads(plistlib.dumps(plist))["NSBluetoothAlwaysUsageDescription"]
    assert plist["CFBundleShortVersionString"] == "1.2.3"
    assert "NSBluetoothAlwaysUsageDescription" not in spec_common.info_plist(
        bluetooth=False, version="1"
    )


def _calls(path: Path) -> dict[str, ast.Call]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    return {
        node.func.id: node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }


@pytest.mark.parametrize(
    ("spec", "name", "script", "bluetooth"),
    [
        ("ihd.spec", "ihd", "ihd_main.py", True),
        ("meter-emulator.spec", "meter-emulator", "meter_emulator_main.py", False),
    ],
)
def test_spec_is_one_folder_with_resources_and_a_mac_bundle(
    spec: str, name: str, script: str, bluetooth: bool
) -> None:
    path = PACKAGING / spec
    calls = _calls(path)
    assert {"Analysis", "PYZ", "EXE", "COLLECT", "BUNDLE"} <= calls.keys()
    # One-folder: the EXE leaves the binaries to COLLECT.
    exe = {k.arg: k.value for k in calls["EXE"].keywords}
    assert isinstance(exe["exclude_binaries"], ast.Constant)
    assert exe["exclude_binaries"].value is True
    analysis = {k.arg for k in calls["Analysis"].keywords}
    assert {"datas", "hiddenimports", "excludes"} <= analysis
    assert "resource_datas" in ast.unparse(calls["Analysis"])
    assert script in ast.unparse(calls["Analysis"])
    assert (PACKAGING / script).is_file()
    collect = {k.arg: k.value for k in calls["COLLECT"].keywords}
    assert ast.literal_eval(collect["name"]) == name
    plist = ast.unparse({k.arg: k.value for k in calls["BUNDLE"].keywords}["info_plist"])
    assert f"bluetooth={bluetooth}" in plist


def test_run_package_builds_both_and_ci_runs_the_frozen_self_test() -> None:
    run = (ROOT / "run").read_text(encoding="utf-8")
    assert "package)" in run
    assert "packaging/$program.spec" in run
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "./run package" in ci
    assert "dist/ihd/ihd --self-test" in ci
