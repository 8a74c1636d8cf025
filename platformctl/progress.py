"""Rich progress bars, for a person at a terminal only (``interactive``): a render's, and a drift check's.

rich is imported only when a bar is shown: most runs (CI, pipes) never pay for it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from generator.build import RenderReport

Advance = Callable[[str, int, int], None]  # (phase or environment, done, total)


def interactive() -> bool:
    """Progress bars only for a person at a terminal, never in CI logs or pipes."""
    return sys.stderr.isatty() and not os.environ.get("CI")


@contextmanager
def bars(describe: Callable[[str], str]) -> Iterator[Advance]:
    """One bar per phase, created when the phase first reports; gone when the work is done."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        tasks: dict[str, Any] = {}

        def advance(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(describe(phase), total=total)
            bar.update(tasks[phase], completed=done, total=total)

        yield advance


def render_with_progress(root: Path, *, only: str | None, check: bool) -> RenderReport:
    from generator import build

    with bars(lambda env: f"rendering {env}") as advance:
        return build.run(root, only=only, check=check, progress=advance, background_cleanup=True)
