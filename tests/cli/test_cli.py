"""The command lines: ihd frame decode, ihd envelope verify, meter-emulator sign / pki init."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from ihd_app.cli.main import main as ihd
from ihd_app.protocol.message_types import MESSAGE_TYPES, Flow, MessageType
from ihd_app.protocol.resources import demo_pki_dir, vectors_directory
from meter_emulator.attacks.vector_requests import VECTOR_REQUESTS
from meter_emulator.cli.main import main as meter_emulator
from tests.support import IHD_ID, METER_ID

GB_VECTOR = "090000804A371C0000000000FFFF055265736574"


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    out = capsys.readouterr().out
    result = json.loads(out)
    assert isinstance(result, dict)
    return result


def test_frame_decode_gb_vector(capsys: pytest.CaptureFixture[str]) -> None:
    assert ihd(["frame", "decode", GB_VECTOR, "--cluster", "0x0703"]) == 0
    decoded = _json(capsys)
    fields = decoded["fields"]
    assert isinstance(fields, dict)
    assert fields["message_id"] == 0x1C374A80
    assert fields["duration_minutes"] == 0xFFFF
    assert fields["message"] == "Reset"
    assert decoded["command"] == "DisplayMessage"


def test_frame_decode_unit_names_cluster_and_fuel(capsys: pytest.CaptureFixture[str]) -> None:
    assert ihd(["frame", "decode", "030702" + GB_VECTOR]) == 0
    decoded = _json(capsys)
    assert decoded["cluster"] == "messaging"
    assert decoded["fuel"] == "gas"


@pytest.mark.parametrize(
    ("hex_text", "reason"),
    [
        ("0307010900", "malformed"),  # header cut short
        ("FFFF01" + GB_VECTOR, "unknown-command"),  # cluster 0xFFFF
        ("030709" + GB_VECTOR, "malformed"),  # endpoint 9
    ],
)
def test_frame_decode_refuses_bad_units_with_reason(
    capsys: pytest.CaptureFixture[str], hex_text: str, reason: str
) -> None:
    assert ihd(["frame", "decode", hex_text]) == 1
    result = _json(capsys)
    assert result["error"] == reason
    assert result["detail"]


def test_frame_decode_non_hex_is_one_line_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert ihd(["frame", "decode", "xyz"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "not hexadecimal" in err


def _sign(tmp_path: Path, name: str, *args: str) -> Path:
    out = tmp_path / f"{name}.cbor"
    assert meter_emulator(["sign", *args, "--out", str(out)]) == 0
    return out


def _sign_args(type_name: str) -> list[str]:
    """Command-line flags that say what the vector request for ``type_name`` says."""
    request = VECTOR_REQUESTS[type_name]
    args = ["--type", type_name, "--message-id", str(request.message_id)]
    if request.text:
        args += ["--text", request.text]
    if request.threshold_kw is not None:
        args += ["--threshold-kw", str(request.threshold_kw)]
    if request.price_pence_per_kwh is not None:
        args += ["--price", str(request.price_pence_per_kwh)]
    if request.reason is not None:
        args += ["--reason", request.reason.value]
    for party, allowed in request.consent.items():
        args += ["--consent", f"{party}={'yes' if allowed else 'no'}"]
    if request.device_id:
        args += ["--device-id", request.device_id]
    if request.device_certificate_sha256:
        args += ["--device-certificate", request.device_certificate_sha256]
    if "access" in request.extra_details:
        args += ["--details", json.dumps({"access": request.extra_details["access"]})]
    if "alert" in request.extra_details:
        args += ["--details", json.dumps({"alert": request.extra_details["alert"]})]
    if "agreement" in request.extra_details:
        args += ["--details", json.dumps({"agreement": request.extra_details["agreement"]})]
    if type_name == "demand.event":
        args += ["--device-class", "ev,water_heater", "--reduce-percent", "20"]
        args += ["--reward", "20 % reward", "--duration", "60"]
    if type_name == "demand.status":
        args += ["--event-status", "opted_out"]
    args += _PREPAY_ARGS.get(type_name, [])
    return args


#: The prepayment types' flags (their ZSE 0x0705 command is built from them).
_PREPAY_ARGS = {
    "prepay.credit-adjustment": ["--credit-pence", "1000"],
    "prepay.payment-mode": ["--payment-mode", "prepayment"],
    "prepay.debt": ["--credit-pence", "5000", "--debt-rate-pence", "50"],
    "prepay.topup": ["--top-up-code", "0020 0000 0112 3456 7890"],
    "prepay.status": ["--credit-pence", "1234"],
    "prepay.topup-result": ["--credit-pence", "1234", "--top-up-verdict", "used"],
}


SIGNERS = {
    "outage": "dno",
    "message.general": "supplier",
    "gas": "gdn",
    "safety": "gdn",
    "power": "meter",
    "supply": "meter",
    "message.cancel": "dno",
    "tariff": "supplier",
    "power.threshold-set": "dno",
    "data.request": "dno",
    "data.access": "meter",
    "occupier": "supplier",
    "han": "supplier",
    "session.proof": "meter",
    "session.refused": "meter",
    "supply.disconnect": "dno",
    "supply.arm": "supplier",
    "safety.clear": "dno",
    "supply.armed": "meter",
    "netdata": "dno",
    "meter.alert": "meter",
    "demand.event": "dno",
    "prepay.alert": "meter",
    "prepay.status": "meter",
    "prepay.topup-result": "meter",
    "prepay.credit-adjustment": "supplier",
    "prepay.payment-mode": "supplier",
    "prepay.debt": "supplier",
}


def _role_for(type_name: str, flow: Flow) -> str:
    if flow is Flow.FROM_IHD:
        return "ihd"
    for prefix in sorted(SIGNERS, key=len, reverse=True):
        if type_name.startswith(prefix):
            return SIGNERS[prefix]
    raise AssertionError(type_name)


@pytest.mark.parametrize("spec", MESSAGE_TYPES, ids=lambda s: s.name)
def test_sign_then_verify_every_message_type(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: object
) -> None:
    assert isinstance(spec, MessageType)
    role = _role_for(spec.name, spec.flow)
    path = _sign(tmp_path, "m", "--role", role, "--target", METER_ID, *_sign_args(spec.name))
    summary = _json(capsys)
    assert summary["type"] == spec.name
    recipient = "ihd" if spec.flow is Flow.TO_IHD else "meter"
    assert ihd(["envelope", "verify", str(path), "--recipient", recipient]) == 0
    verdict = _json(capsys)
    assert verdict["verdict"] == "accepted", verdict


def test_replay_is_caught_across_calls_with_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _sign(
        tmp_path,
        "m",
        "--role",
        "dno",
        "--type",
        "outage.restored",
        "--text",
        "Power restored",
        "--target",
        METER_ID,
    )
    capsys.readouterr()
    data_dir = tmp_path / "data"
    assert ihd(["envelope", "verify", str(path), "--data-dir", str(data_dir)]) == 0
    capsys.readouterr()
    assert ihd(["envelope", "verify", str(path), "--data-dir", str(data_dir)]) == 1
    assert _json(capsys)["reason"] == "replay"
    # Without a data dir nothing is remembered: a one-shot check accepts it again.
    assert ihd(["envelope", "verify", str(path)]) == 0


def test_verify_reports_wrong_target(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _sign(
        tmp_path,
        "m",
        "--role",
        "dno",
        "--type",
        "outage.restored",
        "--text",
        "Power restored",
        "--target",
        IHD_ID,
    )
    capsys.readouterr()
    assert ihd(["envelope", "verify", str(path), "--target", METER_ID]) == 1
    assert _json(capsys)["reason"] == "wrong-target"


def test_verify_accepts_hex_text_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.hex"
    assert (
        meter_emulator(
            [
                "sign",
                "--role",
                "supplier",
                "--type",
                "tariff.price",
                "--price",
                "27.03",
                "--target",
                METER_ID,
                "--out",
                str(path),
                "--hex",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert ihd(["envelope", "verify", str(path)]) == 0
    verdict = _json(capsys)
    unit = verdict["unit"]
    assert isinstance(unit, dict)
    assert unit["command"] == "PublishPrice"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["envelope", "verify", "/nonexistent/file"], "cannot read"),
        (["envelope", "verify", "{vector}", "--trust", "/nonexistent"], "does not exist"),
        (["envelope", "verify", "{vector}", "--at", "yesterday"], "not a time"),
        (["envelope", "verify", "{vector}", "--policy", "/nonexistent.toml"], "does not exist"),
    ],
)
def test_verify_usage_errors_are_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    vector = str(vectors_directory() / "envelopes" / "valid-outage-planned.cbor")
    assert ihd([a.replace("{vector}", vector) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_sign_without_text_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = meter_emulator(
        [
            "sign",
            "--role",
            "dno",
            "--type",
            "outage.planned",
            "--target",
            METER_ID,
            "--out",
            str(tmp_path / "x"),
        ]
    )
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "needs a text" in err
    assert not (tmp_path / "x").exists()


def test_sign_with_unknown_identity_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = meter_emulator(
        [
            "sign",
            "--identity",
            "nobody",
            "--type",
            "outage.restored",
            "--text",
            "x",
            "--target",
            METER_ID,
            "--out",
            str(tmp_path / "x"),
        ]
    )
    assert code == 2
    assert "no identity 'nobody'" in capsys.readouterr().err


def test_private_pki_end_to_end(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pki = tmp_path / "pki"
    assert meter_emulator(["pki", "init", str(pki), "--label", "Workshop PKI"]) == 0
    created = _json(capsys)
    assert "dno" in created["identities"]  # type: ignore[operator]
    assert meter_emulator(["pki", "init", str(pki)]) == 2
    assert "refusing to overwrite" in capsys.readouterr().err
    path = _sign(
        tmp_path,
        "m",
        "--pki",
        str(pki),
        "--role",
        "dno",
        "--type",
        "outage.restored",
        "--text",
        "Restored",
        "--target",
        METER_ID,
    )
    capsys.readouterr()
    assert ihd(["envelope", "verify", str(path), "--trust", str(pki / "trust")]) == 0
    capsys.readouterr()
    # The DEMO trust store has never heard of the workshop root.
    assert ihd(["envelope", "verify", str(path)]) == 1
    assert _json(capsys)["reason"] == "untrusted-chain"


@pytest.mark.parametrize("program", ["ihd", "meter-emulator"])
def test_console_scripts_are_installed_and_answer_version(program: str) -> None:
    script = Path(sys.executable).parent / program
    result = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.startswith(program)


def test_verify_of_a_vector_through_the_installed_script() -> None:
    script = Path(sys.executable).parent / "ihd"
    vector = vectors_directory() / "envelopes" / "invalid-revoked-signer.cbor"
    result = subprocess.run(
        [str(script), "envelope", "verify", str(vector), "--at", "2026-12-01T12:00:00Z"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert json.loads(result.stdout)["reason"] == "revoked-signer"
    assert result.stderr == ""


def test_a_kid_only_meter_message_verifies_with_the_certificate_of_its_session(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A firmware developer checks a captured envelope from within a session (the key id alone)
    with the certificate the session's handshake verified."""
    path = _sign(
        tmp_path,
        "kid-only",
        "--role",
        "meter",
        "--type",
        "supply.interrupted",
        "--message-id",
        "5",
        "--text",
        "Supply interrupted",
        "--target",
        IHD_ID,
        "--no-embed-cert",
    )
    capsys.readouterr()
    assert ihd(["envelope", "verify", str(path)]) == 1
    refused = _json(capsys)
    assert refused["reason"] == "unknown-signer"
    assert "no handshake of this link verified it" in str(refused["detail"])

    certificate = demo_pki_dir() / "identities" / "meter" / "certificate.pem"
    assert ihd(["envelope", "verify", str(path), "--session-cert", str(certificate)]) == 0
    assert _json(capsys)["verdict"] == "accepted"

    assert ihd(["envelope", "verify", str(path), "--session-cert", str(path)]) == 2
    assert "is not a PEM or DER certificate" in capsys.readouterr().err
