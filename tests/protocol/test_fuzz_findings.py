"""Inputs the fuzzers once found escaping a target (``./run fuzz``), kept as regressions.

Each file in ``fuzz_findings/`` is named ``TARGET-what.bin`` after the fuzzing target it broke
(:mod:`fuzzing.targets`); it must now be accepted or refused with a reason code.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fuzzing.targets import targets
from ihd_app.protocol.reasons import Reason
from ihd_app.protocol.verification import Verifier

FINDINGS = sorted((Path(__file__).parent / "fuzz_findings").glob("*.bin"))


@pytest.mark.parametrize("finding", FINDINGS, ids=[f.stem for f in FINDINGS])
def test_a_past_finding_no_longer_escapes(finding: Path) -> None:
    name = finding.stem.split("-", 1)[0]
    targets()[name](finding.read_bytes())


def test_a_certificate_whose_key_cannot_be_read_is_malformed(verifier: Verifier) -> None:
    data = Path(__file__).parent / "fuzz_findings" / "verifier.verify-invalid-public-key.bin"
    verdict = verifier.verify(data.read_bytes())
    assert verdict.reason is Reason.MALFORMED
    assert "public key" in verdict.detail
