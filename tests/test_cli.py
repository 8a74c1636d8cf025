"""platformctl CLI: exit codes and the progress bar that shows only on a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from tests.support import REPO, example_repo, platformctl, run_on_terminal, synthetic_tenant, write_tenant


def _repo_with_tenants(tmp_path: Path, count: int) -> Path:
    root = example_repo(tmp_path / "repo")
    for i in range(count):
        write_tenant(root, f"p{i:03d}", synthetic_tenant(f"p{i:03d}", i))
    return root


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    root = _repo_with_tenants(tmp_path, 80)
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"TERM": "xterm", "COLUMNS": "100"}
    code, output = run_on_terminal(["render", "--root", str(root), "--env", "local"], env)
    assert code == 0, output
    assert "rendering local" in output
    assert "rendered/local:" in output


def test_no_progress_bar_in_ci(tmp_path: Path) -> None:
    root = _repo_with_tenants(tmp_path, 80)
    env = dict(os.environ) | {"CI": "true", "TERM": "xterm"}
    code, output = run_on_terminal(["render", "--root", str(root), "--env", "local"], env)
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


def test_a_broken_environment_exits_2_not_1(tmp_path: Path) -> None:
    """Exit 1 means 'findings'; a render that cannot write must not look like one."""
    root = example_repo(tmp_path / "repo")
    (root / "rendered").mkdir()
    (root / "rendered" / "local").write_text("a file where a directory belongs\n")
    result = platformctl("render", "--root", str(root), "--env", "local")
    assert result.returncode == 2
    assert "platformctl: internal error" in result.stderr


def test_background_housekeeping_does_not_hold_the_output_open(tmp_path: Path) -> None:
    """A caller capturing our output (CI logs, $(...)) must not wait for the detached processes."""
    script = "import time; from generator import writer; writer._detached(lambda: time.sleep(5)); print('done')"
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=30, check=True)
    assert result.stdout == "done\n"
    assert time.monotonic() - start < 4


def test_concurrent_renders_take_turns(tmp_path: Path) -> None:
    root = _repo_with_tenants(tmp_path, 30)
    env = dict(os.environ) | {"CI": "true"}
    for _ in range(3):
        procs = [subprocess.Popen([sys.executable, "-m", "platformctl", "render", "--root", str(root)], env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
        for proc in procs:
            _out, err = proc.communicate(timeout=120)
            assert proc.returncode == 0, err
        edited = root / "blueprints/tenants/p000.yaml"
        text = edited.read_text()
        edited.write_text(text.replace('cpu: "6"', 'cpu: "12"') if 'cpu: "6"' in text
                          else text.replace('cpu: "12"', 'cpu: "6"'))
    assert platformctl("render", "--check", "--root", str(root)).returncode == 1  # the last edit is not rendered
    assert platformctl("render", "--root", str(root)).returncode == 0
    assert platformctl("render", "--check", "--root", str(root)).returncode == 0
