"""Both sides of a change, rendered in memory: the base revision's blueprints and the working tree's.

Both are rendered by the platformctl that runs now, so the comparison shows what the blueprint change does.
The base's committed rendered/ is what Argo CD syncs today; when it differs from the base rendered now, the
difference comes from platformctl itself (a code change in the same pull request), and is counted apart.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from generator import loader, pipeline, serialize

Trees = dict[str, dict[str, Any]]  # environment -> rendered path -> object


def render(root: Path, only: str | None = None) -> Trees:
    """Every environment of the platform repo at ``root`` (or just ``only``, if it has it), as objects;
    raises BlueprintError when the blueprints do not load."""
    blueprints = loader.load(root, fit_only=only)
    names = list(blueprints.environments) if only is None else [n for n in blueprints.environments if n == only]
    return {name: pipeline.environment_objects(blueprints, blueprints.environments[name]) for name in names}


def stale_files(root: Path, trees: Trees) -> list[str]:
    """Files of ``root``'s committed rendered/ that differ from ``trees`` (rendered now), as ``<env>/<path>``."""
    stale = []
    for env, objects in trees.items():
        base = root / "rendered" / env
        for path, obj in objects.items():
            file = base / path
            if not file.is_file() or file.read_bytes() != serialize.dump(obj):
                stale.append(f"{env}/{path}")
        if base.is_dir():
            stale += [f"{env}/{p.relative_to(base).as_posix()}" for p in base.rglob("*.yaml")
                      if p.relative_to(base).as_posix() not in objects]
    return sorted(stale)
