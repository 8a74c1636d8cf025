"""Benchmark ``platformctl validate`` and ``platformctl policy`` on the synthetic platform; prints figures.

    python bench/validate.py --tenants 1000     # the issue's case
    python bench/validate.py --tenants 50       # smoke run

Builds a platform repo with bench/render.py's generator, renders one environment into a temp dir, then
times, on the same tree and in the same run: raw kubeconform (the exact argv validate uses, same files),
``platformctl validate --no-kustomize`` (CLI process: Python start, walk, kubeconform, report: the same work
as raw kubeconform plus ours) and ``platformctl policy``. Targets (not asserted): validate within 1.15x of raw
kubeconform, policy at least 20,000 objects/s. ``--with-kustomize`` also times the full validate once: its
``kustomize build``s cost far more than kubeconform and grow faster than linearly with a kustomization's
size (see checks/validate/kustomize.py). Exits 0 whatever the figures say.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from render import make_platform  # bench/render.py: the synthetic platform

from checks.validate import kubeconform
from checks.validate.targets import collect

TARGET_VALIDATE_RATIO = 1.15
TARGET_POLICY_OBJECTS_S = 20_000
KUBERNETES_VERSION = "1.33.4"


def timed(argv: list[str], cwd: Path, runs: int) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Best wall time of ``runs`` runs (the least disturbed one) and the last result."""
    best = float("inf")
    result = None
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, check=False)
        best = min(best, time.perf_counter() - start)
    assert result is not None
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tenants", type=int, default=1000)
    parser.add_argument("--env", default="staging")
    parser.add_argument("--runs", type=int, default=3, help="runs per measurement; the best is reported")
    parser.add_argument("--dir", type=Path, default=None, help="where the temp repo goes (default: system temp)")
    parser.add_argument("--with-kustomize", action="store_true", help="also time the full validate (one run)")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="platformctl-bench-validate-", dir=args.dir))
    cli = [sys.executable, "-m", "platformctl"]
    try:
        root = work / "repo"
        make_platform(root, args.tenants)
        start = time.perf_counter()
        subprocess.run([*cli, "render", "--root", str(root), "--env", args.env], check=True, capture_output=True)
        print(f"rendered {args.tenants} tenants ({args.env}) in {time.perf_counter() - start:.1f} s", file=sys.stderr)
        tree = root / "rendered" / args.env
        targets = collect([tree])
        raw = kubeconform.command(targets.arguments, KUBERNETES_VERSION)
        raw_s, raw_result = timed(raw, root, args.runs)
        objects = kubeconform.parse(raw_result.stdout).resources
        val_s, val_result = timed([*cli, "validate", "--no-kustomize", "--output", "json", str(tree)], root, args.runs)
        assert val_result.returncode == 0, val_result.stdout[-2000:] + val_result.stderr
        pol_s, pol_result = timed([*cli, "policy", "--root", str(root), "--output", "json", str(tree)], root, args.runs)
        policy_objects = json.loads(pol_result.stdout)["summary"]["objects"]
        ratio = val_s / raw_s
        print(f"tree: {objects} objects in {len(targets.files)} files, {len(targets.kustomize_dirs)} kustomizations, "
              f"{kubeconform.workers()} workers")
        print(f"raw kubeconform         {raw_s:6.2f} s  {objects / raw_s:9.0f} resources/s")
        verdict = "met" if ratio <= TARGET_VALIDATE_RATIO else "MISSED"
        print(f"validate --no-kustomize {val_s:6.2f} s  {objects / val_s:9.0f} resources/s  "
              f"ratio {ratio:.2f}x (target <= {TARGET_VALIDATE_RATIO}x: {verdict})")
        if args.with_kustomize:
            full_s, full = timed([*cli, "validate", "--output", "json", str(tree)], root, 1)
            failed = sorted({f["file"] for f in json.loads(full.stdout)["findings"]})
            print(f"validate + kustomize    {full_s:6.2f} s  {objects / full_s:9.0f} resources/s  "
                  f"exit {full.returncode}{'; failed: ' + ', '.join(failed) if failed else ''}")
        rate = policy_objects / pol_s
        print(f"platformctl policy      {pol_s:6.2f} s  {rate:9.0f} objects/s  (target >= {TARGET_POLICY_OBJECTS_S}: "
              f"{'met' if rate >= TARGET_POLICY_OBJECTS_S else 'MISSED'})")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
