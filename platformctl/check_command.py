"""``platformctl check``: the PR gate; wiring and the summary table only, the steps live in ``checks.gate``.

Exit code: the worst step's (0 clean, 1 findings, 2 a step could not run).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from checks import gate
from platformctl.validate_command import DEFAULT_KUBERNETES_VERSION, kubernetes_version


def table(report: gate.GateReport) -> list[str]:
    """A plain-text table, one row per environment, one column per step."""
    rows = [["environment", *gate.STEPS]]
    rows += [[env, *(cells[s].summary if s in cells else "-" for s in gate.STEPS)]
             for env, cells in sorted(report.cells.items())]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


@click.command("check")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="platform repository holding blueprints/, environments/ and rendered/")
def check(root: Path) -> None:
    """The PR gate: render --check, validate and policy over every environment, one summary."""
    report = gate.run(root, kubernetes_version(root) or DEFAULT_KUBERNETES_VERSION)
    for cell in report.general:
        for line in cell.details:
            click.echo(line)
    for env, cells in sorted(report.cells.items()):
        for step in gate.STEPS:
            cell = cells.get(step)
            for line in cell.details if cell else ():
                click.echo(f"[{env} {step}] {line}")
    for line in table(report):
        click.echo(line)
    verdict = {0: "passed", 1: "failed", 2: "could not run"}[report.exit_code]
    click.echo(f"check: {verdict}")
    sys.exit(report.exit_code)
