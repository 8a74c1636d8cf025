"""``platformctl diff --base REF``: what the working tree's change does to rendered/, for a pull request.

Renders the base revision (a temporary git worktree) and the working tree in memory, compares objects per
environment and owner (review/diff.py) and prints Markdown or JSON. Exit codes: 0 (a diff is a report, not a
finding), 2 bad input: no git repository, unknown revision, blueprints that do not load on either side.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from generator.errors import BlueprintError
from review import formats, revision, sides
from review.diff import DiffReport, compare

EXIT_BAD_INPUT = 2


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
    click.echo("platformctl diff: could not compare; nothing was written", err=True)
    sys.exit(EXIT_BAD_INPUT)


def _render(root: Path, only: str | None, side: str) -> sides.Trees:
    try:
        return sides.render(root, only)
    except BlueprintError as exc:
        _fail([f"{side}: {p}" for p in exc.problems])
    raise AssertionError("unreachable")


def run(root: Path, base: str, only: str | None) -> DiffReport:
    new = _render(root, only, "working tree")
    if only is not None and not new:
        _fail([f"environments/{only}.yaml: no such environment in the working tree"])
    try:
        with revision.checked_out(root, base) as rev:
            old = _render(rev.root, only, f"base {base}")  # an environment the change adds is absent here
            stale = sides.stale_files(rev.root, old)
        edited = revision.edited_tenants(root, base)
    except revision.RevisionError as exc:
        _fail([str(exc)])
    report = compare(base, rev.commit, old, new, edited)
    report.base_stale = stale
    return report


@click.command("diff")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True,
              help="platform repository (inside a git repository)")
@click.option("--base", required=True, metavar="REF", help="the revision to compare with, e.g. origin/main")
@click.option("--env", "only", metavar="ENV", help="only this environment")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@click.option("--output", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="write the report here instead of standard output")
def diff(root: Path, base: str, only: str | None, fmt: str, out: Path | None) -> None:
    """What the change since REF does to rendered/: objects added, removed, changed, per environment and tenant."""
    report = run(root, base, only)
    text = formats.to_json(report) if fmt == "json" else formats.to_markdown(report)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text)
