"""The conformance report: the outcome of a run, as a pass/fail table for people and JSON for
machines."""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass

from ihd_app.conformance.checks import CheckResult, Status


@dataclass
class ConformanceReport:
    """The outcome of a run.

    Attributes:
        results: One per check, in :data:`~ihd_app.conformance.checks.CHECKS` order.
        device: What was tested (address, name).
        radio: The radio used.
        seconds: How long the run took.
    """

    results: list[CheckResult]
    device: dict[str, object]
    radio: str
    seconds: float

    @property
    def ok(self) -> bool:
        """No check failed (skipped ones do not count)."""
        return all(r.status is not Status.FAIL for r in self.results)

    def result(self, name: str) -> CheckResult:
        """The result of the check ``name``."""
        return next(r for r in self.results if r.name == name)

    def to_dict(self) -> dict[str, object]:
        """JSON-safe form (``--json``)."""
        counts = {s.value: sum(r.status is s for r in self.results) for s in Status}
        return {
            "ok": self.ok,
            "radio": self.radio,
            "device": self.device,
            "seconds": round(self.seconds, 3),
            "summary": counts,
            "checks": [r.to_dict() for r in self.results],
        }


_MARKS = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.SKIP: "skip"}
_REASON_WIDTH = 72


def format_table(report: ConformanceReport) -> str:
    """One row per check: name, PASS/FAIL/skip, and the sentence saying why."""
    device = report.device
    title = (
        f"Conformance of {device.get('name') or '?'} ({device.get('address') or 'not found'}) "
        f"on {report.radio}, {report.seconds:.1f} s"
    )
    width = max(len(r.name) for r in report.results)
    lines = [title, ""]
    for result in report.results:
        wrapped = textwrap.wrap(result.reason, _REASON_WIDTH) or [""]
        lines.append(f"{result.name:<{width}}  {_MARKS[result.status]}  {wrapped[0]}")
        lines.extend(f"{'':<{width}}        {more}" for more in wrapped[1:])
    counts = {s: sum(r.status is s for r in report.results) for s in Status}
    verdict = "CONFORMS" if report.ok else "DOES NOT CONFORM"
    lines += [
        "",
        f"{verdict}: {counts[Status.PASS]} passed, {counts[Status.FAIL]} failed, "
        f"{counts[Status.SKIP]} skipped",
    ]
    return "\n".join(lines)


def format_json(report: ConformanceReport) -> str:
    """The report as indented JSON (``--json``)."""
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)


__all__ = ["ConformanceReport", "format_json", "format_table"]
