"""The diff summary of a change: base revision and working tree rendered, compared (used by diff and propose)."""

from __future__ import annotations

from pathlib import Path

from generator.errors import BlueprintError
from review import revision, sides
from review.diff import DiffReport, compare


class SummaryError(Exception):
    """A side could not be rendered or the revision read; ``lines`` say why, one problem each."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


def _render(root: Path, only: str | None, side: str) -> sides.Trees:
    try:
        return sides.render(root, only)
    except BlueprintError as exc:
        raise SummaryError([f"{side}: {p}" for p in exc.problems]) from exc


def summarize(root: Path, base: str, only: str | None = None) -> DiffReport:
    """What the working tree at ``root`` changes in rendered/ relative to revision ``base``."""
    new = _render(root, only, "working tree")
    if only is not None and not new:
        raise SummaryError([f"environments/{only}.yaml: no such environment in the working tree"])
    try:
        with revision.checked_out(root, base) as rev:
            old = _render(rev.root, only, f"base {base}")  # an environment the change adds is absent here
            stale = sides.stale_files(rev.root, old)
        edited = revision.edited_tenants(root, base)
    except revision.RevisionError as exc:
        raise SummaryError([str(exc)]) from exc
    report = compare(base, rev.commit, old, new, edited)
    report.base_stale = stale
    return report
