"""Markdown for a Gitea issue or PR comment: verdict and counts first, then per tenant, per object."""

from __future__ import annotations

import re
from itertools import groupby

from checks.drift.formats.values import owner, value
from checks.drift.model import STATUSES, DriftFinding, DriftReport, FieldDiff

VERDICT = {0: "In sync", 1: "Drift found", 2: "Could not check everything"}


def code(text: str) -> str:
    """An inline code span that survives any backticks inside, and table pipes."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}".replace("|", "\\|").replace("\n", " ")


def _diff_rows(diffs: tuple[FieldDiff, ...], title: str) -> list[str]:
    if not diffs:
        return []
    rows = ["", f"| {title} | git | live | last written by |", "|---|---|---|---|"]
    rows += [f"| {code(d.path)} | {code(value(d.desired))} | {code(value(d.live))} | {owner(d).replace('|', '/')} |"
             for d in diffs]
    return rows


def finding_block(f: DriftFinding) -> list[str]:
    head = f"- **{f.status}** {code(str(f.ref))}" + (f" in {code(f.file)}" if f.file else "")
    lines = [head + (f": {f.reason}" if f.reason else "")]
    body = _diff_rows(f.diffs, "field") + _diff_rows(f.unmanaged, "unmanaged field")
    lines += ["  " + row if row else "" for row in body]
    return lines


def render(report: DriftReport) -> str:
    code_ = report.exit_code()
    not_synced = [a for a in report.apps if a.sync != "Synced"]
    out = [f"# Drift report: {report.environment}", "",
           f"**{VERDICT[code_]}**: {report.checked} objects checked with {report.requests} API requests.", "",
           "| missing | extra | modified | unknown | Argo CD apps not synced |", "|---|---|---|---|---|",
           "| " + " | ".join(str(report.counts.get(s, 0)) for s in STATUSES)
           + f" | {len(not_synced)} of {len(report.apps)} |"]
    if report.problems:
        out += ["", "## Problems", ""] + [f"- {p}" for p in report.problems]
    for tenant, findings in groupby(report.findings, key=lambda f: f.tenant):
        out += ["", f"## Tenant {code(tenant)}" if tenant else "## Platform", ""]
        for f in findings:
            out += finding_block(f)
    if report.apps:
        out += ["", "## Argo CD", "", "| application | project | sync | health | revision |", "|---|---|---|---|---|"]
        for a in report.apps:
            revision = code(a.revision[:12]) if a.revision else ""
            out.append(f"| {code(a.name)} | {code(a.project)} | {a.sync} | {a.health} | {revision} |")
        for app in not_synced:
            if app.out_of_sync or app.diffs:
                out += ["", f"### {code(app.name)}", ""]
                out += [f"- OutOfSync {code(str(ref))}" for ref in app.out_of_sync]
                for f in app.diffs:
                    out += finding_block(f)
    return "\n".join(out) + "\n"
