"""``platformctl render``: load, render every environment, then write or compare rendered/.

Everything is computed in memory before the first byte is written, so bad input writes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from generator import writer
from generator.errors import BlueprintError, Problem
from generator.loader import Blueprints, load
from generator.pipeline import Files, render_environment

RENDERED = "rendered"
Progress = Callable[[str, int], None]  # (environment, number of tenants) -> None, per environment


@dataclass
class EnvReport:
    env: str
    files: int
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    stale: writer.Staleness | None = None


@dataclass
class RenderReport:
    envs: list[EnvReport] = field(default_factory=list)
    pruned_envs: list[str] = field(default_factory=list)
    extra_envs: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        stale = any(e.stale is not None and not e.stale.clean for e in self.envs)
        return not (stale or self.extra_envs)


def select_environments(blueprints: Blueprints, only: str | None) -> list[str]:
    if only is None:
        return list(blueprints.environments)
    if only not in blueprints.environments:
        known = ", ".join(blueprints.environments)
        raise BlueprintError([Problem(f"environments/{only}.yaml", 1, 1, "", f"no such environment (known: {known})")])
    return [only]


def _env_dirs(out: Path) -> list[str]:
    if not out.is_dir():
        return []
    return sorted(p.name for p in out.iterdir() if p.is_dir() and not p.name.startswith("."))


def render_all(
    blueprints: Blueprints, out: Path, *, only: str | None = None, progress: Progress | None = None
) -> dict[str, Files]:
    """Render the selected environments in memory; no I/O."""
    trees = {}
    for name in select_environments(blueprints, only):
        env = blueprints.environments[name]
        trees[name] = render_environment(blueprints, env)
        if progress:
            progress(name, len(blueprints.tenants))
    return trees


def run(root: Path, *, only: str | None = None, check: bool = False, progress: Progress | None = None) -> RenderReport:
    """Render (or with ``check`` compare) rendered/ under ``root``. Raises BlueprintError on bad input."""
    blueprints = load(root)
    out = root / RENDERED
    trees = render_all(blueprints, out, only=only, progress=progress)
    report = RenderReport()
    stray = [d for d in _env_dirs(out) if d not in blueprints.environments] if only is None else []
    if check:
        report.extra_envs = stray
        for name, files in trees.items():
            report.envs.append(EnvReport(name, len(files), stale=writer.compare(out / name, files)))
        return report
    for name, files in trees.items():
        result = writer.write_tree(out / name, dict(files))
        report.envs.append(EnvReport(name, len(files), written=result.written, removed=result.removed))
    for name in stray:
        writer.remove_tree(out / name)
        report.pruned_envs.append(name)
    return report
