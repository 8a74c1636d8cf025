"""``platformctl check``: the gate passes on the example platform, names each failing step, exits with the worst."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def platformctl(*args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "platformctl", *args], cwd=cwd, capture_output=True, text=True,
                          check=False, env=env)


def test_example_platform_passes(installed: None) -> None:
    result = platformctl("check")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["environment", "render", "validate", "policy"]
    assert [ln.split()[0] for ln in lines[1:4]] == ["local", "prod", "staging"]
    assert all("up to date" in ln and ln.count("ok (") == 2 for ln in lines[1:4])
    assert lines[-1] == "check: passed"


def _rendered_repo(repo: Path) -> Path:
    assert platformctl("render", "--root", str(repo)).returncode == 0
    return repo


def test_a_hand_edit_fails_render_and_validate(repo: Path, installed: None) -> None:
    root = _rendered_repo(repo)
    target = next((root / "rendered" / "local" / "system" / "tenancy").glob("*/*_limitrange_*.yaml"))
    target.write_text(target.read_text().replace("    type: Container", "    type: Container\n    typo: 1"))
    result = platformctl("check", "--root", str(root), cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert f"[local render] stale: rendered/local/{target.relative_to(root / 'rendered' / 'local').as_posix()}" in out
    assert "[local validate] rendered/local/" in out and "(spec.limits[0].typo)" in out
    row = next(ln for ln in out.splitlines() if ln.startswith("local "))
    assert "1 files out of date" in row and "1 error" in row
    assert next(ln for ln in out.splitlines() if ln.startswith("prod ")).count("ok (") == 2
    assert out.splitlines()[-1] == "check: failed"


def test_missing_binary_makes_the_gate_exit_2(repo: Path, tmp_path: Path) -> None:
    root = _rendered_repo(repo)
    env = {**os.environ, "PLATFORMCTL_CACHE": str(tmp_path / "empty")}
    result = platformctl("check", "--root", str(root), cwd=root, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert "run: python tools/install.py kubeconform" in result.stdout
    assert result.stdout.splitlines()[-1] == "check: could not run"


def test_a_directory_that_is_no_platform_could_not_run(tmp_path: Path) -> None:
    result = platformctl("check", "--root", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "check: could not run"
