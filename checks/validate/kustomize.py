"""``kustomize build`` of every directory holding a kustomization: what Argo CD will run, run first.

Builds are independent processes, so they run on a bounded thread pool (threads only wait). kustomize's
cost grows faster than linearly with the resources of one build (measured: 6,000 objects 25 s, 12,000 objects
240 s), so each build gets Argo CD's own limit: a kustomization its repo-server cannot build in time is a finding.
"""

from __future__ import annotations

import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from checks.tools import binary
from checks.validate.kubeconform import workers

TIMEOUT_S = 90.0  # Argo CD repo-server's default exec timeout (ARGOCD_EXEC_TIMEOUT): a slower build fails there


@dataclass(frozen=True)
class BuildFailure:
    """One directory kustomize could not build, with kustomize's own message."""

    directory: Path
    message: str


def _build(kustomize: Path, directory: Path, timeout: float) -> BuildFailure | None:
    try:
        proc = subprocess.run([str(kustomize), "build", str(directory)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired:
        return BuildFailure(directory, f"kustomize build did not finish in {timeout:g} s (Argo CD's repo-server "
                                       "gives up at 90 s by default): split this kustomization")
    if proc.returncode == 0:
        return None
    lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip() and not ln.startswith("Usage:")]
    message = next((ln.removeprefix("Error: ") for ln in lines if ln.startswith("Error:")), None)
    return BuildFailure(directory, message or (lines[0] if lines else f"kustomize exited {proc.returncode}"))


def build_all(directories: list[Path], *, jobs: int | None = None, timeout: float = TIMEOUT_S) -> list[BuildFailure]:
    """Build every directory; the failures, in input order."""
    if not directories:
        return []
    kustomize = binary("kustomize")
    with ThreadPoolExecutor(max_workers=jobs or workers()) as pool:
        results = pool.map(lambda d: _build(kustomize, d, timeout), directories)
        return [r for r in results if r is not None]
