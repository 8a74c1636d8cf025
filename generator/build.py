"""``platformctl render``: load, render every environment, then write or compare rendered/.

All environments are rendered in memory before the first byte is written, so bad input writes
nothing. Writing reuses unchanged tenants through the render cache (generator/cache.py);
``check`` renders everything afresh and only compares.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from generator import cache, gcpause, parallel, writer
from generator.errors import BlueprintError, Problem
from generator.loader import Blueprints, load
from generator.model import Environment, Tenant
from generator.pipeline import render_environment

RENDERED = "rendered"
# (environment, tenants done, tenants in total), called as tenants finish
Progress = Callable[[str, int, int], None]


@dataclass
class EnvReport:
    env: str
    files: int
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reused_tenants: int = 0
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


@dataclass
class _Rendered:
    files: dict[str, writer.Entry]
    cache: cache.RenderCache  # the reused tenants' entries; rendered ones are added once on disk
    pending: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # tenant -> (key, its paths)
    reused: int = 0


def _render_env(
    blueprints: Blueprints, env: Environment, tree: Path | None, progress: Progress | None
) -> _Rendered:
    """Render one environment; with ``tree`` reuse the tenants the cache vouches for."""
    platform = blueprints.platform
    context = cache.context_key(platform, env)
    previous = cache.load(tree, context) if tree is not None else cache.RenderCache(context)
    result = _Rendered({}, cache.RenderCache(context))

    def tenants_files(tenants: list[Tenant]) -> Iterator[dict[str, writer.Entry]]:
        keys = {t.name: cache.tenant_key(t) for t in tenants} if tree is not None else {}
        todo = []
        for tenant in tenants:
            paths = previous.reusable(tenant, keys[tenant.name], tree) if tree is not None else None
            if paths is None:
                todo.append(tenant)
                continue
            result.cache.tenants[tenant.name] = previous.tenants[tenant.name]
            result.reused += 1
            yield dict.fromkeys(paths, writer.REUSE)
        if progress and result.reused:
            progress(env.name, result.reused, len(tenants))
        for done, (name, files) in enumerate(parallel.render_tenants(platform, env, todo), start=result.reused + 1):
            if tree is not None:
                result.pending[name] = (keys[name], list(files))
            if progress:
                progress(env.name, done, len(tenants))
            yield files

    result.files = render_environment(blueprints, env, tenants_files)
    return result


def _record(tree: Path, rendered: _Rendered) -> None:
    """Note the identity of the freshly rendered tenants' files now on disk, for the next run."""
    if not rendered.pending and rendered.reused == len(rendered.cache.tenants) and cache.path_for(tree).is_file():
        return  # every tenant reused: the cache on disk already says all of this
    base = f"{tree}/"
    for name, (key, paths) in rendered.pending.items():
        rendered.cache.tenants[name] = cache.TenantEntry(key, {rel: cache.identity(base + rel) for rel in paths})
    cache.save(tree, rendered.cache)


def run(
    root: Path, *, only: str | None = None, check: bool = False, progress: Progress | None = None,
    background_cleanup: bool = False,
) -> RenderReport:
    """Render (or with ``check`` compare) rendered/ under ``root``. Raises BlueprintError on bad input.

    ``background_cleanup`` leaves deleting replaced trees to a detached process (the CLI does).
    """
    with gcpause.paused():
        return _run(root, only=only, check=check, progress=progress, background_cleanup=background_cleanup)


def _run(
    root: Path, *, only: str | None, check: bool, progress: Progress | None, background_cleanup: bool
) -> RenderReport:
    blueprints = load(root, fit_only=only)  # rendering one environment sizes workloads there only
    out = root / RENDERED
    names = select_environments(blueprints, only)
    report = RenderReport()
    stray = [d for d in _env_dirs(out) if d not in blueprints.environments] if only is None else []
    if check:
        report.extra_envs = stray
        for name in names:
            files = _render_env(blueprints, blueprints.environments[name], None, progress).files
            with writer.lock(out, shared=True):
                stale = writer.compare(out / name, files)
            report.envs.append(EnvReport(name, len(files), stale=stale))
        return report
    with writer.lock(out):
        _write(blueprints, out, names, stray, report, progress, background_cleanup)
    return report


def _write(
    blueprints: Blueprints, out: Path, names: list[str], stray: list[str], report: RenderReport,
    progress: Progress | None, background_cleanup: bool,
) -> None:
    rendered = {name: _render_env(blueprints, blueprints.environments[name], out / name, progress) for name in names}
    for name, result in rendered.items():
        tree = out / name
        cache.forget(tree)  # from here until _record, the cache would describe the wrong tree
        written = writer.write_tree(tree, result.files, background_cleanup=background_cleanup)
        _record(tree, result)
        report.envs.append(EnvReport(name, len(result.files), written.written, written.removed, result.reused))
    for name in stray:
        writer.remove_tree(out / name, background_cleanup=background_cleanup)
        cache.forget(out / name)
        report.pruned_envs.append(name)
