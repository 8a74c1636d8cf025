"""For people at a terminal: one block per object, one line per field, a summary line last."""

from __future__ import annotations

from checks.drift.formats.values import owner, value
from checks.drift.model import DriftFinding, DriftReport, FieldDiff


def _diff_line(diff: FieldDiff, marker: str = "") -> str:
    who = f"   [{owner(diff)}]" if diff.manager else ""
    return f"    {marker}{diff.path}: git {value(diff.desired)} -> live {value(diff.live)}{who}"


def finding_lines(f: DriftFinding) -> list[str]:
    where = f"  ({f.file})" if f.file else ""
    tenant = f"  tenant {f.tenant}" if f.tenant else ""
    lines = [f"{f.status:<9} {f.ref}{tenant}{where}"]
    if f.reason:
        lines.append(f"    {f.reason}")
    lines += [_diff_line(d) for d in f.diffs]
    lines += [_diff_line(d, "unmanaged ") for d in f.unmanaged]
    return lines


def summary(report: DriftReport) -> str:
    counts = ", ".join(f"{n} {s}" for s, n in report.counts.items() if n)
    apps = [a for a in report.apps if a.sync != "Synced"]
    parts = [counts] if counts else []
    if apps:
        parts.append(f"{len(apps)} of {len(report.apps)} Argo CD applications not synced")
    state = {0: "in sync", 1: "drift found", 2: "could not check everything"}[report.exit_code()]
    detail = f": {'; '.join(parts)}" if parts else ""
    return (f"drift {report.environment}: {report.checked} objects checked, {report.requests} API requests: "
            f"{state}{detail}")


def render(report: DriftReport) -> str:
    out: list[str] = [f"problem: {p}" for p in report.problems]
    for f in report.findings:
        out += finding_lines(f)
    for app in report.apps:
        revision = f" at {app.revision[:12]}" if app.revision else ""
        out.append(f"argocd    {app.name}: {app.sync}, {app.health}{revision}")
        out += [f"    OutOfSync: {ref}" for ref in app.out_of_sync]
        for f in app.diffs:
            out += ["    " + line for line in finding_lines(f)]
    out.append(summary(report))
    return "\n".join(out) + "\n"
