"""A rich progress bar around a render, for terminals only (the CLI decides when)."""

from __future__ import annotations

from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from generator import build


def render_with_progress(root: Path, *, only: str | None, check: bool) -> build.RenderReport:
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task("rendering environments", total=None)

        def advance(env: str, tenants: int) -> None:
            bar.update(task, advance=1, description=f"rendered {env} ({tenants} tenants)")

        return build.run(root, only=only, check=check, progress=advance)
