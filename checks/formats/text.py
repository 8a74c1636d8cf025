"""One line per finding, grep- and editor-friendly (``file:line: severity rule: object: message``)."""

from __future__ import annotations

from checks.findings import Finding, Report


def line(finding: Finding) -> str:
    where = f"{finding.file}:{finding.line}" if finding.line else finding.file
    obj = f" {finding.object_ref}:" if finding.object_ref else ""
    field = f" ({finding.field})" if finding.field else ""
    return f"{where}: {finding.severity} {finding.rule}:{obj} {finding.message}{field}"


def render(report: Report) -> str:
    out = [line(f) for f in report.findings]
    counts = ", ".join(f"{n} {s}" for s, n in report.counts.items() if n) or "no findings"
    exempt = f", {len(report.suppressed)} exempted" if report.suppressed else ""
    out.append(f"{report.tool_command}: {report.objects} objects in {report.files} files: {counts}{exempt}")
    return "\n".join(out) + "\n"
