"""Benchmark ``platformctl render`` on a synthetic platform of N tenants; prints figures, not a test.

    python bench/render.py --tenants 1000            # staging only, disk and tmpfs
    python bench/render.py --tenants 50              # smoke run, a few seconds
    python bench/render.py --tenants 1000 --envs all # every environment tree

Each measurement runs in a fresh Python process (this script re-invoked with ``--child``), so
timings include no warm in-process state and peak RSS is per measurement. See bench/README.md
for what each figure means. Exits 0 whatever the figures say; non-zero only if something crashed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
RESULT_MARK = "@@bench-result@@ "
KUSTOMIZATION = "kustomization.yaml"

# Targets from the issue.
TARGET_TENANTS = 1000
TARGET_FULL_TMPFS_S = 10.0  # 1000 tenants rendered from scratch on tmpfs
TARGET_RATIO = 3.0  # render / floor, on either medium
TARGET_PR_DISK_S = 2.0  # one-tenant change re-rendered on disk


# --------------------------------------------------------------------------------------------
# Synthetic platform
# --------------------------------------------------------------------------------------------


def tenant_name(i: int, count: int) -> str:
    return f"t{i:0{max(4, len(str(count - 1)))}d}"  # "t0000"; DNS label, <= 20 chars


def tenant_doc(name: str, *, changed_app: bool = False, changed_quota: bool = False) -> dict[str, Any]:
    """One tenant: 3 apps (2 deployment, 1 kubero), 2 databases (db0 shared by the two deployments), 2 sandboxes."""
    domain = f"{name}.example.com"
    owner, dev1, dev2 = f"owner@{domain}", f"dev1@{domain}", f"dev2@{domain}"
    apps: list[dict[str, Any]] = []
    for j in range(3):
        app: dict[str, Any] = {"name": f"app{j}"}
        if j == 1:
            app.update(runtime="kubero", repo=f"{name}/app{j}", image=f"registry.example.com/{name}/app{j}:2.0.0",
                       port=3000, env={"NODE_ENV": "production"})
        else:
            app.update(runtime="deployment", image=f"registry.example.com/{name}/app{j}:1.0.{j}", port=8080,
                       replicas=2, resources={"cpu": "250m", "memory": "256Mi"}, env={"LOG_LEVEL": "info"})
        if app["runtime"] == "deployment":  # kubero apps cannot use databases
            app["databases"] = ["db0"] if j == 0 else ["db0", "db1"]
        app["ingress"] = {"host": f"{name}-app{j}"}  # unique across tenants
        if j == 0:
            app["autoscale"] = {"min": 2, "max": 4, "cpuPercent": 70}
            app["metrics"] = {"port": 9090, "path": "/metrics"}
        apps.append(app)
    if changed_app:  # the common PR: bump an image tag and add an env var
        apps[0]["image"] = f"registry.example.com/{name}/app0:1.0.1"
        apps[0]["env"] = {**apps[0]["env"], "FEATURE_CHECKOUT_V2": "on"}
    quota = {"cpu": "12" if changed_quota else "8", "memory": "16Gi", "storage": "200Gi", "pods": 60}
    return {
        "apiVersion": "platformctl.dev/v1alpha1",
        "kind": "Tenant",
        "metadata": {"name": name},
        "spec": {
            "owners": [owner],
            "members": [dev1, dev2],
            "quota": quota,
            "apps": apps,
            "databases": [
                {"name": "db0", "version": "16", "instances": 2, "storage": "10Gi",
                 "backup": {"schedule": "0 0 3 * * *", "retention": "30d"}, "pooler": {"instances": 2}},
                {"name": "db1", "storage": "5Gi"},
            ],
            "sandboxes": [
                {"user": owner, "repos": [f"{name}/app0", f"{name}/app1"]},
                {"user": dev1, "repos": [f"{name}/app2"],
                 "resources": {"cpu": "1", "memory": "2Gi", "storage": "5Gi"}},
            ],
        },
    }


def write_tenant(root: Path, doc: dict[str, Any]) -> None:
    text = yaml.dump(doc, Dumper=yaml.CSafeDumper, sort_keys=False, default_flow_style=False, width=4096)
    (root / "blueprints" / "tenants" / f"{doc['metadata']['name']}.yaml").write_text(text)


def make_platform(root: Path, count: int) -> None:
    """A fresh platform repo: the shipped platform.yaml and environments, plus ``count`` tenants."""
    (root / "blueprints" / "tenants").mkdir(parents=True)
    shutil.copy2(REPO / "blueprints" / "platform.yaml", root / "blueprints" / "platform.yaml")
    shutil.copytree(REPO / "environments", root / "environments",
                    ignore=lambda _dir, names: [n for n in names if not n.endswith((".yaml", ".yml"))])
    for i in range(count):
        write_tenant(root, tenant_doc(tenant_name(i, count)))


def code_version() -> str:
    """The commit, and which files under generator/ differ from it: figures depend on uncommitted work too."""
    def git(*cmd: str) -> str:
        proc = subprocess.run(["git", "-C", str(REPO), *cmd], capture_output=True, text=True, check=False)
        return proc.stdout.strip() if proc.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD")
    if not commit:
        return "not a git checkout"
    dirty = git("status", "--porcelain", "--", "generator").splitlines()
    return f"{commit}" + (f" + {len(dirty)} uncommitted file(s) under generator/" if dirty else ", clean")


def environment_names() -> list[str]:
    return sorted(p.stem for p in (REPO / "environments").iterdir() if p.suffix in (".yaml", ".yml"))


# --------------------------------------------------------------------------------------------
# Child process: one measurement, result as one JSON line on stdout
# --------------------------------------------------------------------------------------------


def _children_rss() -> int:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def _usage(children_before: int) -> dict[str, float]:
    """Peak RSS (MiB; Linux reports KiB) of this process and of its largest child, and CPU seconds.

    Child processes count only if one started during the measurement and outgrew the ones before
    it (imports may run a short-lived helper such as ``file``): that is a render's process pool.
    """
    import resource

    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "rss_mib": me.ru_maxrss / 1024,
        "children_rss_mib": kids.ru_maxrss / 1024 if kids.ru_maxrss > children_before else 0.0,
        "cpu_s": me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime,
    }


def child_render(spec: dict[str, Any]) -> dict[str, Any]:
    """``generator.build.run`` once per selected environment (once with only=None for --envs all)."""
    start = time.perf_counter()
    from generator import build

    imported = time.perf_counter() - start
    root = Path(spec["root"])
    children_before = _children_rss()
    start = time.perf_counter()
    # background_cleanup as the CLI does: replaced trees are deleted by a detached process
    reports = [build.run(root, only=only, background_cleanup=spec["background"]) for only in spec["only"]]
    wall = time.perf_counter() - start
    envs = [e for r in reports for e in r.envs]
    written = [f"{e.env}/{p}" for e in envs for p in getattr(e, "written", [])]
    removed = [f"{e.env}/{p}" for e in envs for p in getattr(e, "removed", [])]
    return {
        "wall_s": wall,
        "import_s": imported,
        "files": sum(e.files for e in envs),
        "written": written,
        "removed": removed,
        **_usage(children_before),
    }


def child_floor(spec: dict[str, Any]) -> dict[str, Any]:
    """Load and build the objects (untimed for the floor), then time only dump + mkdir + write."""
    start = time.perf_counter()
    from generator.loader import load
    from generator.pipeline import environment_objects
    from generator.serialize import dump

    imported = time.perf_counter() - start
    root, out = Path(spec["root"]), spec["out"]
    children_before = _children_rss()
    start = time.perf_counter()
    blueprints = load(root)
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    trees = {env: environment_objects(blueprints, blueprints.environments[env]) for env in spec["envs"]}
    built = time.perf_counter() - start

    join, makedirs = os.path.join, os.makedirs
    files = 0
    start = time.perf_counter()
    for env, objects in trees.items():
        made: set[str] = set()
        base = join(out, env)
        for rel, obj in objects.items():
            directory = rel.rpartition("/")[0]
            if directory not in made:
                makedirs(join(base, directory), exist_ok=True)
                made.add(directory)
            data = dump(obj)
            with open(join(base, rel), "wb") as handle:
                handle.write(data)
            files += 1
    floor = time.perf_counter() - start

    start = time.perf_counter()  # breakdown only: the serialisation part of the floor, in memory
    for objects in trees.values():
        for obj in objects.values():
            dump(obj)
    dumped = time.perf_counter() - start
    return {"import_s": imported, "load_s": loaded, "objects_s": built, "floor_s": floor, "dump_s": dumped,
            "files": files, **_usage(children_before)}


def child_main(raw: str) -> None:
    spec = json.loads(raw)
    sys.path.insert(0, str(REPO))  # benchmark this checkout's generator
    result = {"render": child_render, "floor": child_floor}[spec["what"]](spec)
    sys.stdout.write(RESULT_MARK + json.dumps(result) + "\n")


def _settle_disk(spec: dict[str, Any]) -> None:
    """Untimed: let the previous step's detached housekeeping finish and its dirty pages reach the
    disk, as they have long before the next render in real use."""
    rendered = Path(spec.get("root", "/nonexistent")) / "rendered"
    deadline = time.monotonic() + 120
    while rendered.is_dir() and time.monotonic() < deadline:
        busy = (".platformctl-trash-", ".platformctl-staging-")  # detached deletion, spare being prepared
        if not any(p.name.startswith(busy) for p in rendered.iterdir()):
            break
        time.sleep(0.1)
    os.sync()


def run_child(spec: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    _settle_disk(spec)
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(spec)],
        env=env, stdout=subprocess.PIPE, text=True, check=False,
    )
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith(RESULT_MARK)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"measurement {spec['what']} failed (exit {proc.returncode}):\n{proc.stdout}")
    return json.loads(lines[-1].removeprefix(RESULT_MARK))


# --------------------------------------------------------------------------------------------
# Tree snapshots: inode and content of every file (outside any timer)
# --------------------------------------------------------------------------------------------

Snapshot = dict[str, tuple[int, bytes]]  # relative path -> (inode, digest)


def snapshot(root: Path) -> Snapshot:
    found: Snapshot = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        rel = os.path.relpath(dirpath, root)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        for name in filenames:
            if name.startswith("."):  # the renderer's own bookkeeping (e.g. its cache), not rendered files
                continue
            path = os.path.join(dirpath, name)
            with open(path, "rb") as handle:
                digest = hashlib.blake2b(handle.read(), digest_size=16).digest()
            found[prefix + name] = (os.stat(path).st_ino, digest)
    return found


@dataclass
class TreeDiff:
    inode_changed: list[str] = field(default_factory=list)
    content_changed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def diff(before: Snapshot, after: Snapshot) -> TreeDiff:
    result = TreeDiff(added=sorted(after.keys() - before.keys()), removed=sorted(before.keys() - after.keys()))
    for path in sorted(before.keys() & after.keys()):
        (ino_a, sum_a), (ino_b, sum_b) = before[path], after[path]
        if ino_a != ino_b:
            result.inode_changed.append(path)
        if sum_a != sum_b:
            result.content_changed.append(path)
    return result


# --------------------------------------------------------------------------------------------
# One medium
# --------------------------------------------------------------------------------------------


@dataclass
class MediumResult:
    name: str
    path: str
    full: dict[str, Any]
    floor: dict[str, Any]
    floor_matches: bool
    noop: dict[str, Any]
    noop_diff: TreeDiff
    pr: dict[str, Any]
    pr_diff: TreeDiff
    pr_tenant: str
    pr2: dict[str, Any]
    pr2_diff: TreeDiff
    pr2_tenant: str


def measure_medium(name: str, base: Path, source: Path, args: argparse.Namespace, envs: list[str],
                   log: Callable[[str], None], workdirs: list[Path]) -> MediumResult:
    work = Path(tempfile.mkdtemp(prefix="platformctl-bench-", dir=base))
    workdirs.append(work)
    root = work / "repo"
    shutil.copytree(source, root)
    # Any on-disk cache the renderer keeps under XDG_CACHE_HOME starts empty on each medium, so
    # "from scratch" is from scratch; it persists across the no-op and one-tenant runs.
    env = {**os.environ, "XDG_CACHE_HOME": str(work / "xdg-cache")}
    only: list[str | None] = [None] if args.envs == "all" else list(envs)
    render = {"what": "render", "root": str(root), "only": only, "background": not args.sync_cleanup}

    log(f"[{name}] full render from scratch in {root}")
    full = run_child(render, env)
    log(f"[{name}] floor: dump + mkdir + write of the same objects")
    floor = run_child({"what": "floor", "root": str(root), "envs": envs, "out": str(work / "floor")}, env)
    rendered_tree = snapshot(root / "rendered")
    floor_tree = snapshot(work / "floor")
    floor_matches = {k: v[1] for k, v in rendered_tree.items()} == {k: v[1] for k, v in floor_tree.items()}
    shutil.rmtree(work / "floor")

    log(f"[{name}] no-op re-render")
    noop = run_child(render, env)
    after_noop = snapshot(root / "rendered")
    noop_diff = diff(rendered_tree, after_noop)

    tenant = tenant_name(args.tenants // 2, args.tenants)
    log(f"[{name}] one-tenant change ({tenant}: {args.change}) and re-render")
    write_tenant(root, tenant_doc(tenant, changed_app="app" in args.change, changed_quota="quota" in args.change))
    pr = run_child(render, env)
    after_pr = snapshot(root / "rendered")
    pr_diff = diff(after_noop, after_pr)

    # The next PR: from now on the tree swapped out last time is kept as the spare, so this is the
    # steady state of a platform repo where renders happen every day.
    tenant2 = tenant_name(args.tenants // 3, args.tenants)
    log(f"[{name}] next one-tenant change ({tenant2}: {args.change}) and re-render")
    write_tenant(root, tenant_doc(tenant2, changed_app="app" in args.change, changed_quota="quota" in args.change))
    pr2 = run_child(render, env)
    pr2_diff = diff(after_pr, snapshot(root / "rendered"))
    return MediumResult(name, str(work), full, floor, floor_matches, noop, noop_diff, pr, pr_diff, tenant,
                        pr2, pr2_diff, tenant2)


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def objects_of(paths: list[str]) -> int:
    return sum(1 for p in paths if p.rpartition("/")[2] != KUSTOMIZATION)


def print_report(results: list[MediumResult], args: argparse.Namespace, envs: list[str]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(width=max(110, shutil.get_terminal_size((110, 24)).columns), highlight=False)
    first = results[0].full
    objects = objects_of(first["written"])
    console.print(
        f"\nplatformctl render benchmark: {args.tenants} tenants, environments: {', '.join(envs)}; "
        f"{first['files']} files per full render ({objects} objects + {first['files'] - objects} "
        f"kustomization.yaml); python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
        f"code {code_version()}; load average before {args.loadavg:.2f} (other work on the machine skews figures)"
    )
    for r in results:
        console.print(f"  {r.name}: {r.path}")

    table = Table(title="figures (each row a fresh process; times are wall clock)", title_justify="left")
    table.add_column("measurement")
    for r in results:
        table.add_column(r.name, justify="right")

    def row(label: str, fn: Callable[[MediumResult], str]) -> None:
        table.add_row(label, *(fn(r) for r in results))

    row("load blueprints alone (generator.loader.load)", lambda r: f"{r.floor['load_s']:.2f} s")
    row("build objects in memory (pipeline.environment_objects)", lambda r: f"{r.floor['objects_s']:.2f} s")
    row("serialise only, in memory (serialize.dump)", lambda r: f"{r.floor['dump_s']:.2f} s")
    row("full render from scratch (build.run)", lambda r: f"{r.full['wall_s']:.2f} s")
    row("  objects/s", lambda r: f"{objects_of(r.full['written']) / r.full['wall_s']:,.0f}")
    row("  files/s", lambda r: f"{r.full['files'] / r.full['wall_s']:,.0f}")
    row("  CPU time (user+sys, incl. child processes)", lambda r: f"{r.full['cpu_s']:.2f} s")
    row("  peak RSS (in brackets: largest worker process)", lambda r: f"{r.full['rss_mib']:.0f} MiB"
        + (f" ({r.full['children_rss_mib']:.0f} MiB)" if r.full["children_rss_mib"] else ""))
    row("  python import of generator (not in the render time)", lambda r: f"{r.full['import_s']:.2f} s")
    row("floor: dump + mkdir + write, same objects and paths", lambda r: f"{r.floor['floor_s']:.2f} s")
    row("  floor files/s", lambda r: f"{r.floor['files'] / r.floor['floor_s']:,.0f}")
    row("  floor tree byte-identical to rendered tree", lambda r: "yes" if r.floor_matches else "NO")
    row("render / floor", lambda r: f"{r.full['wall_s'] / r.floor['floor_s']:.2f}x")
    row("no-op re-render (nothing changed)", lambda r: f"{r.noop['wall_s']:.2f} s")
    row("  files written / inodes changed", lambda r: f"{len(r.noop['written'])} / {len(r.noop_diff.inode_changed)}")
    row("  peak RSS", lambda r: f"{r.noop['rss_mib']:.0f} MiB")
    row(f"one-tenant change ({args.change}) re-render", lambda r: f"{r.pr['wall_s']:.2f} s")
    row("  files written / unchanged (linked) / removed",
        lambda r: f"{len(r.pr['written'])} / {r.pr['files'] - len(r.pr['written'])} / {len(r.pr['removed'])}")
    row("  files changed in content (+added, -removed)",
        lambda r: f"{len(r.pr_diff.content_changed)} (+{len(r.pr_diff.added)}, -{len(r.pr_diff.removed)})")
    row("  files whose inode changed", lambda r: str(len(r.pr_diff.inode_changed)))
    row("  peak RSS", lambda r: f"{r.pr['rss_mib']:.0f} MiB")
    row(f"next one-tenant change ({args.change}), spare tree kept", lambda r: f"{r.pr2['wall_s']:.2f} s")
    row("  files written / unchanged (linked) / removed",
        lambda r: f"{len(r.pr2['written'])} / {r.pr2['files'] - len(r.pr2['written'])} / {len(r.pr2['removed'])}")
    row("  files whose inode changed", lambda r: str(len(r.pr2_diff.inode_changed)))
    console.print(table)

    for r in results:
        written = r.pr["written"]
        if not written:
            console.print(f"{r.name}: the one-tenant change ({r.pr_tenant}) wrote no file "
                          "(it reaches no rendered object)")
            continue
        console.print(f"{r.name}: the one-tenant change ({r.pr_tenant}) wrote {len(written)} files:")
        for path in written[:8]:
            console.print(f"    {path}")
        if len(written) > 8:
            console.print(f"    ... and {len(written) - 8} more")

    by_name = {r.name: r for r in results}
    scale = args.tenants / TARGET_TENANTS
    scaled = "" if args.tenants == TARGET_TENANTS else f" (scaled to {args.tenants} tenants)"
    targets = Table(title="targets (from the issue)", title_justify="left")
    targets.add_column("target")
    targets.add_column("measured", justify="right")
    targets.add_column("result")

    def verdict(ok: bool) -> str:
        return "PASS" if ok else "MISS"

    if "tmpfs" in by_name:
        full_s, limit = by_name["tmpfs"].full["wall_s"], TARGET_FULL_TMPFS_S * scale
        targets.add_row(f"{TARGET_TENANTS} tenants from scratch on tmpfs <= {TARGET_FULL_TMPFS_S:g} s{scaled}",
                        f"{full_s:.2f} s (limit {limit:.2f} s)", verdict(full_s <= limit))
    for r in results:
        ratio = r.full["wall_s"] / r.floor["floor_s"]
        targets.add_row(f"render <= {TARGET_RATIO:g}x floor on {r.name}", f"{ratio:.2f}x",
                        verdict(ratio <= TARGET_RATIO))
    if "disk" in by_name:
        r = by_name["disk"]
        for label, pr, pr_diff in (("first one-tenant change", r.pr, r.pr_diff),
                                   ("next one-tenant change", r.pr2, r.pr2_diff)):
            targets.add_row(f"{label} on disk <= {TARGET_PR_DISK_S:g} s", f"{pr['wall_s']:.2f} s",
                            verdict(pr["wall_s"] <= TARGET_PR_DISK_S))
            changed = set(pr_diff.content_changed) | set(pr_diff.added)
            touched = set(pr_diff.inode_changed) | set(pr_diff.added)
            only_changed = touched <= changed and set(pr["written"]) <= changed
            targets.add_row(f"{label} touches only changed files",
                            f"{len(touched)} touched, {len(changed)} changed", verdict(only_changed))
    console.print(targets)


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=1000, help="synthetic tenants to generate (default 1000)")
    parser.add_argument("--envs", default="staging",
                        help="environments to render: a name, a comma-separated list, or 'all' (default staging)")
    parser.add_argument("--disk-dir", type=Path, default=REPO.parent / ".bench-tmp",
                        help="parent of the disk work dir (default: <repo>/../.bench-tmp)")
    parser.add_argument("--tmpfs-dir", type=Path, default=Path("/dev/shm"),
                        help="parent of the tmpfs work dir (default /dev/shm)")
    parser.add_argument("--media", default="disk,tmpfs", help="which of disk,tmpfs to measure (default both)")
    parser.add_argument("--change", choices=["app", "quota", "app+quota"], default="app+quota",
                        help="the one-tenant change: app = bump an image tag and add an env var; quota = raise "
                             "the tenant's CPU quota (default app+quota)")
    parser.add_argument("--keep", action="store_true", help="keep the work dirs (their paths are printed)")
    parser.add_argument("--sync-cleanup", action="store_true",
                        help="delete replaced trees before build.run returns (the CLI leaves it to a detached process)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.tenants < 1:
        parser.error("--tenants must be at least 1")
    known = environment_names()
    args.env_list = known if args.envs == "all" else [e.strip() for e in args.envs.split(",") if e.strip()]
    unknown = [e for e in args.env_list if e not in known]
    if unknown or not args.env_list:
        parser.error(f"--envs: unknown {', '.join(unknown) or '(none given)'}; known: {', '.join(known)} or all")
    args.media_list = [m.strip() for m in args.media.split(",") if m.strip()]
    if not args.media_list or any(m not in ("disk", "tmpfs") for m in args.media_list):
        parser.error("--media takes a comma-separated subset of: disk, tmpfs")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child is not None:
        child_main(args.child)
        return 0
    args.loadavg = os.getloadavg()[0]
    envs: list[str] = args.env_list
    media = {"disk": args.disk_dir, "tmpfs": args.tmpfs_dir}

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    created_disk_dir = not args.disk_dir.exists()
    args.disk_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="platformctl-bench-src-", dir=args.disk_dir))
    results: list[MediumResult] = []
    workdirs: list[Path] = [scratch]
    try:
        source = scratch / "repo"
        start = time.perf_counter()
        make_platform(source, args.tenants)
        log(f"generated {args.tenants} tenants in {source} ({time.perf_counter() - start:.2f} s)")
        for medium in args.media_list:
            base = media[medium]
            base.mkdir(parents=True, exist_ok=True)
            results.append(measure_medium(medium, base, source, args, envs, log, workdirs))
        print_report(results, args, envs)
    finally:
        if args.keep:
            log("kept: " + " ".join(map(str, workdirs)))
        else:
            for work in workdirs:
                shutil.rmtree(work, ignore_errors=True)
            if created_disk_dir:
                with contextlib.suppress(OSError):
                    args.disk_dir.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main())
