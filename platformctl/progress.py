"""A rich progress bar around a render, for terminals only (the CLI decides when)."""

from __future__ import annotations

from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from generator import build


def render_with_progress(root: Path, *, only: str | None, check: bool) -> build.RenderReport:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        tasks: dict[str, int] = {}

        def advance(env: str, done: int, total: int) -> None:
            if env not in tasks:
                tasks[env] = bar.add_task(f"rendering {env}", total=total)
            bar.update(tasks[env], completed=done)

        return build.run(root, only=only, check=check, progress=advance, background_cleanup=True)
