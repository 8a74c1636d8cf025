"""platformctl cluster apply: rendered/<env> into the local control plane, then drift finds it in sync."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from checks.cluster.lifecycle import down, up
from tests.support import REPO


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "platformctl", *args], cwd=REPO, capture_output=True, text=True,
                          timeout=600)


def test_apply_then_drift_is_in_sync(cluster_binaries: None, tmp_path: Path) -> None:
    directory = tmp_path / "cluster"
    state = up(directory).state
    try:
        applied = _cli("cluster", "apply", "--dir", str(directory), "--env", "local")
        assert applied.returncode == 0, applied.stderr
        count = int(applied.stdout.split()[1])
        assert applied.stdout.startswith(f"applied {count} of {count} objects of rendered/local")
        drift = _cli("drift", "--env", "local", "--kubeconfig", state.readonly_kubeconfig, "--output", "json")
        assert drift.returncode == 0, drift.stdout[-2000:] + drift.stderr
        assert json.loads(drift.stdout)["summary"]["checked"] == count
    finally:
        down(directory)


def test_apply_needs_a_running_control_plane(tmp_path: Path) -> None:
    result = _cli("cluster", "apply", "--dir", str(tmp_path / "none"), "--env", "local")
    assert result.returncode == 2 and "run 'platformctl cluster up' first" in result.stderr
