"""The conformance report: a pass/fail table for people, JSON for machines."""

from __future__ import annotations

import json
import textwrap

from ihd_app.conformance.checks import Status
from ihd_app.conformance.runner import ConformanceReport

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
