"""platformctl CLI: exit codes and the progress bar that shows only on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

from tests.support import REPO, example_repo, platformctl, synthetic_tenant, write_tenant


def _run_on_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal, as a person at a shell would."""
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "platformctl", *args], stdout=secondary, stderr=secondary,
                            stdin=subprocess.DEVNULL, env=env)
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.close(primary)
    return proc.wait(), b"".join(chunks).decode(errors="replace")


def _repo_with_tenants(tmp_path: Path, count: int) -> Path:
    root = example_repo(tmp_path / "repo")
    for i in range(count):
        write_tenant(root, f"p{i:03d}", synthetic_tenant(f"p{i:03d}", i))
    return root


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    root = _repo_with_tenants(tmp_path, 80)
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"TERM": "xterm", "COLUMNS": "100"}
    code, output = _run_on_terminal(["render", "--root", str(root), "--env", "local"], env)
    assert code == 0, output
    assert "rendering local" in output
    assert "rendered/local:" in output


def test_no_progress_bar_in_ci(tmp_path: Path) -> None:
    root = _repo_with_tenants(tmp_path, 80)
    env = dict(os.environ) | {"CI": "true", "TERM": "xterm"}
    code, output = _run_on_terminal(["render", "--root", str(root), "--env", "local"], env)
    assert code == 0, output
    assert "rendering local" not in output
    assert output.strip().startswith("rendered/local:")


def test_render_summary_and_exit_codes(tmp_path: Path) -> None:
    root = example_repo(tmp_path / "repo")
    counts = {env: sum(1 for p in (REPO / "rendered" / env).rglob("*") if p.is_file())
              for env in ("local", "prod", "staging")}
    first = platformctl("render", "--root", str(root))
    assert first.returncode == 0
    assert f"rendered/local: {counts['local']} files, {counts['local']} written, 0 removed" in first.stdout
    again = platformctl("render", "--root", str(root))
    assert again.stdout.splitlines() == [f"rendered/{env}: {n} files, unchanged" for env, n in counts.items()]
    assert platformctl("render", "--check", "--root", str(root)).returncode == 0
    (root / "rendered/local/tenants/acme/kustomization.yaml").unlink()
    assert platformctl("render", "--check", "--root", str(root)).returncode == 1
