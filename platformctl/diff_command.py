"""``platformctl diff --base REF``: what the working tree's change does to rendered/, for a pull request.

Renders the base revision (a temporary git worktree) and the working tree in memory, compares objects per
environment and owner (review/diff.py) and prints Markdown or JSON. Exit codes: 0 (a diff is a report, not a
finding), 2 bad input: no git repository, unknown revision, blueprints that do not load on either side.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from review import formats
from review.summary import SummaryError, summarize

EXIT_BAD_INPUT = 2


def _fail(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
    click.echo("platformctl diff: could not compare; nothing was written", err=True)
    sys.exit(EXIT_BAD_INPUT)


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
    try:
        report = summarize(root, base, only)
    except SummaryError as exc:
        _fail(exc.lines)
    text = formats.to_json(report) if fmt == "json" else formats.to_markdown(report)
    if out is None:
        click.echo(text, nl=False)
    else:
        out.write_text(text)
